import { createInOrderOffsets } from '../../../src/intake/in-order-offsets';

describe('createInOrderOffsets', () => {
  it('moves only over a run without gaps from the start of the batch', () => {
    const progress = createInOrderOffsets(['10', '11', '12', '13']);
    expect(progress.complete(2)).toBeUndefined();
    expect(progress.complete(3)).toBeUndefined();
    expect(progress.settled()).toBe(0);
    expect(progress.complete(0)).toBe('10');
    // Message 11 closes the gap: everything through 13 may now be resolved at once.
    expect(progress.complete(1)).toBe('13');
    expect(progress.settled()).toBe(4);
  });

  it('answers nothing new when a message is completed twice', () => {
    const progress = createInOrderOffsets(['5', '6']);
    expect(progress.complete(0)).toBe('5');
    expect(progress.complete(0)).toBeUndefined();
    expect(progress.complete(1)).toBe('6');
  });
});
