import { describe, expect, it } from 'vitest';
import { CpuBudget, MS_PER_MB_SENT, SATURATED_SHARE } from '../../../src/query/tail/cpu-budget.js';
import { MachineLoad } from '../../../src/query/tail/machine-load.js';

describe('tail CPU budget', () => {
  it('lets tails spend their share, and only a quarter of it while the machine is saturated', () => {
    const idle = new CpuBudget(100, 50, () => 0.2);
    const saturated = new CpuBudget(100, 50, () => 0.95);
    expect(idle.waitMs()).toBe(0);
    idle.spend(150); // 100 ms beyond the 50 ms burst: a second of budget to earn back
    saturated.spend(150);
    const idleWait = idle.waitMs();
    const saturatedWait = saturated.waitMs();
    expect(idleWait).toBeGreaterThan(900);
    expect(idleWait).toBeLessThanOrEqual(1001);
    expect(saturatedWait / idleWait).toBeCloseTo(1 / SATURATED_SHARE, 1);
  });

  it('charges bytes sent to clients as CPU only while the machine is saturated', () => {
    const idle = new CpuBudget(100, 50, () => 0.2);
    const saturated = new CpuBudget(100, 50, () => 0.95);
    const bytes = (150 / MS_PER_MB_SENT) * 1e6; // 150 ms worth of bytes: 100 ms beyond the burst
    idle.spendBytes(bytes);
    saturated.spendBytes(bytes);
    expect(idle.waitMs()).toBe(0); // a machine with room to spare: tails at 10,000 records/s to 20 clients stay on time
    expect(saturated.waitMs()).toBeGreaterThan(3000); // 100 ms of debt at a quarter of 100 ms/s
  });

  it('samples the machine load as a share of all cores', async () => {
    const load = new MachineLoad();
    const end = Date.now() + 600;
    let x = 0;
    while (Date.now() < end) x += Math.sqrt(x + 1); // keep one core busy past the sampling interval
    const busy = load.busy();
    expect(x).toBeGreaterThan(0);
    expect(busy).toBeGreaterThan(0);
    expect(busy).toBeLessThanOrEqual(1);
  });
});
