/** A deterministic, valid domain identity (id, uuid, name) for a pid. */
export function identity(pid: number) {
  const hex = pid.toString(16).padStart(12, '0').slice(-12);
  return { id: pid, uuid: `00000000-0000-4000-8000-${hex}`, name: `vm-${pid}` };
}
