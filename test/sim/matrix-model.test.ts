/**
 * The matrix row of the `model` driver (virtlockd's semantics) must show what reference §7 leads
 * one to expect — computed by runs here, never written into the code: unsafe when the lock
 * daemon loses its locks, when a guest is resumed outside libvirt, and when a disk is reached
 * through two spellings; safe under crashes, kills, restarts, re-execs, failed calls and host
 * crashes.
 */
import { describe, expect, it } from 'vitest';
import { runCell } from '../../matrix/cell.ts';
import type { Column } from '../../matrix/cell.ts';

/** The classes of the first build; a class added since states its own row in its test
 * (`test/faults/`). */
const EXPECTED: Readonly<Partial<Record<Column, 'safe' | 'violated'>>> = {
  none: 'safe',
  'process-crash': 'safe',
  'process-kill': 'safe',
  'libvirtd-restart': 'safe',
  'daemon-crash': 'violated',
  'daemon-reexec': 'safe',
  'acquire-fails': 'safe',
  'release-fails': 'safe',
  'partial-acquire': 'safe',
  'host-crash': 'safe',
  'external-resume': 'violated',
  'path-alias': 'violated',
  'connection-drop': 'safe',
  'image-probe': 'safe',
};

describe('the model row of the safety matrix', () => {
  for (const [fault, verdict] of Object.entries(EXPECTED) as [Column, 'safe' | 'violated'][]) {
    it(`model × ${fault} → ${verdict}`, async () => {
      const cell = await runCell({ driver: 'model', fault, seeds: 12, steps: 1500, firstSeed: 1,
        traceDir: null });
      expect(cell.verdict, cell.message).toBe(verdict);
      if (verdict === 'violated') {
        expect(['S1', 'S2', 'S3', 'S4']).toContain(cell.invariant);
        expect(cell.shrunk).toBeLessThanOrEqual(30);
      } else {
        expect(cell.steps).toBeGreaterThan(12 * 1000);
      }
    });
  }
});
