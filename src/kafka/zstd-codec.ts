import { promisify } from 'node:util';
import { zstdCompress, zstdDecompress } from 'node:zlib';
import { CompressionCodecs, CompressionTypes } from 'kafkajs';

const compress = promisify(zstdCompress);
const decompress = promisify(zstdDecompress);

/**
 * Lets kafkajs read (and write) zstd-compressed batches with Node's own zstd. kafkajs reads only
 * gzip by itself: one batch a producer compressed with zstd crashed herald's consumer
 * ("KafkaJSNotImplemented: ZSTD compression not implemented"), which left its group for good, since
 * every restart fetched the same batch. Snappy and lz4 have no codec in Node; herald creates the topics it
 * consumes with `compression.type=uncompressed` so that the broker decompresses them (./ensure-topics.ts).
 * Idempotent; a codec registered before (another library's) is kept.
 */
export function readZstdBatches(): void {
  const codecs = CompressionCodecs as Record<number, () => unknown>;
  try {
    // kafkajs's own entry is a placeholder that throws "not implemented"; one that answers is a real codec.
    codecs[CompressionTypes.ZSTD]!();
    return;
  } catch {
    // Not implemented: register ours.
  }
  codecs[CompressionTypes.ZSTD] = () => ({
    compress: (encoder: { buffer: Buffer }) => compress(encoder.buffer),
    decompress: (buffer: Buffer) => decompress(buffer),
  });
}
