import { test, expect } from './fixtures';

test.describe('4. result', () => {
  test('success: the first hex number is the physical address, with the page size', async ({ app }) => {
    await app.open();
    await expect.poll(() => app.resultAddress()).toMatch(/^0x[0-9a-f]+$/);
    await expect(app.result).toContainText('4 KiB');
  });

  test('#PF names CR2 and every error-code bit', async ({ app }) => {
    await app.open();
    await app.preset('SMEP: the kernel may not run user code');
    await app.end();
    await expect(app.result).toContainText(/#PF, error code 0x11/);
    await expect(app.result).toContainText('CR2 =');
    for (const name of ['P=', 'W/R=', 'U/S=', 'RSVD=', 'I/D=', 'PK=']) await expect(app.result).toContainText(name);
    await app.shot('result-pf-smep');
    await app.preset('Protection key denies a write');
    await app.end();
    await expect(app.result).toContainText('PK');
  });

  test('EPT violation decodes the exit qualification; misconfiguration names the entry', async ({ app }) => {
    await app.open();
    await app.preset('EPT violation on a guest page-table access');
    await app.end();
    await expect(app.result).toContainText('EPT violation');
    await expect(app.result).toContainText('GLA valid=1');
    await expect(app.result).toContainText('final=0');
    await app.shot('result-ept-violation');
    await app.preset('EPT misconfiguration: write without read');
    await app.end();
    await expect(app.result).toContainText('EPT misconfiguration');
    await expect(app.result).toContainText('W without R');
  });
});
