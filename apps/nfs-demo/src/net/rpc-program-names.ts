/**
 * Names of well-known ONC RPC programs, as /etc/rpc (glibc, Debian netbase) spells them, for the
 * service column of `rdmalab rpcinfo` — what `rpcinfo -p` prints.
 */
const RPC_PROGRAM_NAMES: ReadonlyMap<number, string> = new Map([
  [100000, 'portmapper'],
  [100001, 'rstatd'],
  [100002, 'rusersd'],
  [100003, 'nfs'],
  [100004, 'ypserv'],
  [100005, 'mountd'],
  [100007, 'ypbind'],
  [100008, 'walld'],
  [100009, 'yppasswdd'],
  [100010, 'etherstatd'],
  [100011, 'rquotad'],
  [100012, 'sprayd'],
  [100017, 'rexd'],
  [100020, 'llockmgr'],
  [100021, 'nlockmgr'],
  [100024, 'status'],
  [100026, 'bootparam'],
  [100029, 'keyserv'],
  [100069, 'ypxfrd'],
  [100227, 'nfs_acl'],
  [150001, 'pcnfsd'],
]);

/** The service name of a program number, or "" when it is not a well-known one. */
export function rpcProgramName(program: number): string {
  return RPC_PROGRAM_NAMES.get(program) ?? '';
}
