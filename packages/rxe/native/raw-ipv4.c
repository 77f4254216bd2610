/*
 * raw-ipv4: the smallest Node-API binding that lets @rdmalab/rxe put a whole IPv4 packet on the wire.
 *
 * node:dgram cannot choose the IPv4 Identification, yet the RoCEv2 ICRC covers it (IBA A17.3.3 masks only
 * TOS, TTL and the checksums). A raw IPPROTO_RAW socket implies IP_HDRINCL (raw(7)): the kernel sends our
 * header as is, filling only the header checksum (always) and the ID when it is 0 (raw_send_hdrinc), so the
 * caller writes a non-zero ID and computes the ICRC over exactly the bytes that leave the host.
 *
 * Errors come back as errno numbers (never thrown) so the JavaScript side maps them to its own error codes.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <node_api.h>

/* IPv4 header without options (RFC 791): destination address at byte 16. */
#define IPV4_HEADER_BYTES 20
#define IPV4_DST_OFFSET 16

static napi_value make_int(napi_env env, int32_t value) {
  napi_value out;
  napi_create_int32(env, value, &out);
  return out;
}

static int arg_int(napi_env env, napi_value value, int32_t *out) {
  return napi_get_value_int32(env, value, out) == napi_ok;
}

/* open(sendBufferBytes) → fd ≥ 0, or −errno. Non-blocking: a full send buffer is EAGAIN, not a stalled loop. */
static napi_value raw_open(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  int32_t sndbuf = 0;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 1 || !arg_int(env, argv[0], &sndbuf)) return make_int(env, -EINVAL);
  int fd = socket(AF_INET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_RAW);
  if (fd < 0) return make_int(env, -errno);
  if (sndbuf > 0 && setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof sndbuf) != 0) {
    int err = errno;
    close(fd);
    return make_int(env, -err);
  }
  return make_int(env, fd);
}

/* send(fd, packet: Uint8Array) → 0, or errno. `packet` is a whole IPv4 packet; it goes to its own destination. */
static napi_value raw_send(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  int32_t fd = -1;
  napi_typedarray_type type;
  size_t length = 0;
  void *data = NULL;
  napi_value arraybuffer;
  size_t offset = 0;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 2 || !arg_int(env, argv[0], &fd)) return make_int(env, EINVAL);
  if (napi_get_typedarray_info(env, argv[1], &type, &length, &data, &arraybuffer, &offset) != napi_ok ||
      type != napi_uint8_array || length < IPV4_HEADER_BYTES || data == NULL)
    return make_int(env, EINVAL);
  const uint8_t *bytes = (const uint8_t *)data;
  if ((bytes[0] >> 4) != 4) return make_int(env, EINVAL);
  struct sockaddr_in to;
  memset(&to, 0, sizeof to);
  to.sin_family = AF_INET;
  memcpy(&to.sin_addr.s_addr, bytes + IPV4_DST_OFFSET, 4);
  ssize_t sent = sendto(fd, bytes, length, 0, (const struct sockaddr *)&to, sizeof to);
  if (sent < 0) return make_int(env, errno);
  if ((size_t)sent != length) return make_int(env, EMSGSIZE);
  return make_int(env, 0);
}

/* close(fd) → 0, or errno. */
static napi_value raw_close(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  int32_t fd = -1;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 1 || !arg_int(env, argv[0], &fd) || fd < 0) return make_int(env, EINVAL);
  return make_int(env, close(fd) == 0 ? 0 : errno);
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"open", NULL, raw_open, NULL, NULL, NULL, napi_enumerable, NULL},
      {"send", NULL, raw_send, NULL, NULL, NULL, napi_enumerable, NULL},
      {"close", NULL, raw_close, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
