import type { Nfs3Service } from '../../src/server/nfs3-service.js';

/** A root user, as AUTH_SYS would name it. */
export const ROOT = { uid: 0, gid: 0, gids: [] };

/** The root handle of the first export of `service`. */
export async function rootOf(service: Nfs3Service): Promise<Uint8Array> {
  const fh = await service.rootHandle(service.exportPaths()[0]!);
  if (fh === undefined) throw new Error('no export');
  return fh;
}

/** LOOKUP that must succeed. */
export async function lookupOk(service: Nfs3Service, dir: Uint8Array, name: string): Promise<Uint8Array> {
  const res = await service.lookup({ what: { dir, name } });
  if (res.status !== 0) throw new Error(`LOOKUP ${name} failed with ${res.status}`);
  return res.ok.object;
}

/** CREATE (UNCHECKED) that must succeed. */
export async function createOk(service: Nfs3Service, dir: Uint8Array, name: string): Promise<Uint8Array> {
  const res = await service.create(
    { where: { dir, name }, how: { mode: 0, attributes: { mode: 0o644 } } },
    ROOT,
  );
  if (res.status !== 0 || res.ok.object === undefined)
    throw new Error(`CREATE ${name} failed with ${res.status}`);
  return res.ok.object;
}
