import { formatTable } from '../../../src/cli/format-table';

describe('formatTable', () => {
  it('lays out 150,000 rows (dlq list on a large DLQ) without overflowing the stack', () => {
    const rows = Array.from({ length: 150_000 }, (_, i) => ({ id: `0:${i}`, reason: i % 2 ? 'smtp_rejected' : 'x' }));
    const table = formatTable(rows, [
      { header: 'id', value: (r) => r.id },
      { header: 'reason', value: (r) => r.reason },
    ]);
    const lines = table.split('\n');
    expect(lines).toHaveLength(150_001);
    expect(lines[0]).toMatch(/^ID\s+REASON$/);
    // Every row padded to the widest id, 0:149999.
    expect(lines[1]).toBe('0:0       x');
  });
});
