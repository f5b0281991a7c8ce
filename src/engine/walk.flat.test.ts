import { describe, expect, it } from 'vitest';
import { eptFormat, guestFormat, type GuestPaging } from './formats';
import { checkFlatFormat } from './walk';

/**
 * The walk loop runs on a flattened form of each format (masks in typed
 * arrays). It must agree with the format's own functions for every format
 * the engine can make: every mode, MAXPHYADDR, NXE, 1 GiB pages, PSE, and
 * EPT with and without execute-only.
 */
describe('flattened formats agree with their descriptors', () => {
  const pagings: GuestPaging[] = ['32', 'pae', '4', '5'];
  for (const paging of pagings) {
    it(`guest ${paging}-level paging, every MAXPHYADDR and flag combination`, () => {
      for (const maxphyaddr of [32, 36, 39, 40, 46, 48, 52]) {
        for (const nxe of [false, true]) {
          for (const gbpages of [false, true]) {
            for (const pse of [false, true]) {
              expect(checkFlatFormat(guestFormat({ paging, maxphyaddr, nxe, gbpages, pse }), 512)).toBeNull();
            }
          }
        }
      }
    });
  }
  it('EPT with 4 and 5 levels, every MAXPHYADDR, with and without execute-only', () => {
    for (const levels of [4, 5] as const) {
      for (const maxphyaddr of [36, 39, 42, 46, 48, 52]) {
        for (const execonly of [false, true]) expect(checkFlatFormat(eptFormat({ levels, maxphyaddr, execonly }))).toBeNull();
      }
    }
  });
});
