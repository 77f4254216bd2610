export { XdrDecoder } from './xdr/decoder.js';
export { XdrEncoder, type XdrEncoderOptions } from './xdr/encoder.js';
export { XdrError, type XdrErrorCode } from './xdr/errors.js';
export { XDRBUF_READ, XDRBUF_WRITE, XdrBuf, type XdrBufInit, type XdrPageRange } from './xdr/xdr-buf.js';
