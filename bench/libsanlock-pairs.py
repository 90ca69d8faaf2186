"""The same acquire+release pair through libsanlock itself (libsanlock_client.so.1 via ctypes),
as a yardstick for bench/sanlock.bench.ts on a machine whose speed varies.

argv: socket run dir, lockspace name, resource name, lease path, lease offset, seconds.
Prints the pairs per second. Exits 2 when the library cannot be loaded.
"""
import ctypes
import os
import sys
import time

run_dir, lockspace, name, path, offset, seconds = sys.argv[1:7]
os.environ['SANLOCK_RUN_DIR'] = run_dir
try:
    lib = ctypes.CDLL('libsanlock_client.so.1')
except OSError as error:
    print(error, file=sys.stderr)
    sys.exit(2)


class Disk(ctypes.Structure):
    _fields_ = [('path', ctypes.c_char * 1024), ('offset', ctypes.c_uint64),
                ('pad1', ctypes.c_uint32), ('pad2', ctypes.c_uint32)]


class Resource(ctypes.Structure):
    _fields_ = [('lockspace_name', ctypes.c_char * 48), ('name', ctypes.c_char * 48),
                ('lver', ctypes.c_uint64), ('data64', ctypes.c_uint64),
                ('data32', ctypes.c_uint32), ('unused', ctypes.c_uint32),
                ('flags', ctypes.c_uint32), ('num_disks', ctypes.c_uint32), ('disk', Disk)]


res = Resource(lockspace_name=lockspace.encode(), name=name.encode(), num_disks=1)
res.disk.path = path.encode()
res.disk.offset = int(offset)
args = (ctypes.POINTER(Resource) * 1)(ctypes.pointer(res))
sock = lib.sanlock_register()
if sock < 0:
    print(f'sanlock_register: {sock}', file=sys.stderr)
    sys.exit(1)
for _ in range(50):
    lib.sanlock_acquire(sock, -1, 0, 1, args, None)
    lib.sanlock_release(sock, -1, 0, 1, args)
pairs = 0
start = time.monotonic()
while time.monotonic() - start < float(seconds):
    if lib.sanlock_acquire(sock, -1, 0, 1, args, None) != 0:
        sys.exit(1)
    if lib.sanlock_release(sock, -1, 0, 1, args) != 0:
        sys.exit(1)
    pairs += 1
print(pairs / (time.monotonic() - start))
