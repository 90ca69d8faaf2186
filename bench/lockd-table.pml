/*
 * virtlockd's lock table: the reference model SPIN explores next to lockchart's explorer
 * (`bench/spin-reference.ts`, printed by `npm run bench explorer`; issue 18).
 *
 * One lockspace, as virlockspace.c keeps it: per resource an exclusive holder or a list of
 * shared holders, where a pid appears once per shared acquire (two acquires need two releases).
 * Owners are the QEMU processes of 2 VMs on 2 hosts (VM v on host h is owner 2v + h): each locks
 * its VM's boot disk exclusively and the common disk shared, in order, stopping at the first
 * failure with no rollback (virLockDaemonAcquire). A registered owner's connection closing
 * releases everything it holds. The workload: start, pause (release), resume (acquire again),
 * hot-plug of the common disk while paused (acquired twice), destroy and crash.
 *
 * Safety: two running owners never hold one disk in conflicting modes, and an owner runs only
 * with its locks (the table agrees with who runs).
 */
#define OWNERS 4
#define DISKS 3
#define COMMON 2
#define MAXSHARE 3

byte excl[DISKS];                 /* exclusive holder + 1, or 0 */
byte shares[DISKS * OWNERS];      /* shared records per (disk, owner) */
bool registered[OWNERS];
bool running[OWNERS];
byte rounds[OWNERS];              /* workload left per owner */

inline sharedBy(d, total) {
  total = shares[d * OWNERS + 0] + shares[d * OWNERS + 1] +
          shares[d * OWNERS + 2] + shares[d * OWNERS + 3]
}

/* Acquire disk d for owner o, exclusive or shared: ok is false on conflict (busy). */
inline acquire(o, d, exclusive, ok) {
  atomic {
    sharedBy(d, total);
    if
    :: exclusive && excl[d] == 0 && total == 0 -> excl[d] = o + 1; ok = true
    :: !exclusive && excl[d] == 0 && shares[d * OWNERS + o] < MAXSHARE ->
         shares[d * OWNERS + o]++; ok = true
    :: else -> ok = false
    fi
  }
}

/* Release one record of disk d by owner o (an unheld lock is an error, ignored). */
inline release(o, d) {
  atomic {
    if
    :: excl[d] == o + 1 -> excl[d] = 0
    :: excl[d] != o + 1 && shares[d * OWNERS + o] > 0 -> shares[d * OWNERS + o]--
    :: else -> skip
    fi
  }
}

/* The connection closes: everything the owner holds is released. */
inline releaseAll(o) {
  atomic {
    if :: excl[0] == o + 1 -> excl[0] = 0 :: else -> skip fi;
    if :: excl[1] == o + 1 -> excl[1] = 0 :: else -> skip fi;
    shares[0 * OWNERS + o] = 0; shares[1 * OWNERS + o] = 0; shares[2 * OWNERS + o] = 0;
    registered[o] = false
  }
}

inline checkRunning(o, boot) {
  assert(excl[boot] == o + 1);
  assert(excl[COMMON] == 0 && shares[COMMON * OWNERS + o] > 0)
}

proctype Owner(byte o; byte boot) {
  bool ok;
  byte total;
  do
  :: rounds[o] > 0 ->
     rounds[o]--;
     registered[o] = true;
     acquire(o, boot, true, ok);
     if
     :: ok -> acquire(o, COMMON, false, ok)
     :: else -> skip
     fi;
     if
     :: !ok -> releaseAll(o)         /* start failed: libvirt kills the QEMU */
     :: ok ->
        running[o] = true;
        checkRunning(o, boot);
        do
        :: rounds[o] > 0 ->          /* pause: release, then resume or hot-plug first */
           rounds[o]--;
           running[o] = false;
           release(o, boot); release(o, COMMON);
           if
           :: acquire(o, COMMON, false, ok)   /* hot-plug while paused: one more record */
           :: skip
           fi;
           acquire(o, boot, true, ok);
           if
           :: ok -> acquire(o, COMMON, false, ok)
           :: else -> skip
           fi;
           if
           :: ok -> running[o] = true; checkRunning(o, boot)
           :: !ok -> releaseAll(o); break
           fi
        :: running[o] -> running[o] = false; releaseAll(o); break  /* destroy */
        :: running[o] -> running[o] = false; releaseAll(o); break  /* crash */
        od
     fi
  :: rounds[o] == 0 -> break
  od
}

init {
  atomic {
    rounds[0] = 1; rounds[1] = 1; rounds[2] = 2; rounds[3] = 1;
    run Owner(0, 0); run Owner(1, 0); run Owner(2, 1); run Owner(3, 1)
  }
}
