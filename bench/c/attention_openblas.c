/*
 * Single-head attention through OpenBLAS, the machine's roofline for bench/kernels.ts:
 *
 *   S = (Q · Kᵀ) · s        cblas_sgemm, s = f32(1/√d) folded into alpha
 *   W = exp(S − rowmax(S))  row softmax in C, normalisation deferred
 *   O = (W · V) / rowsum(W) cblas_sgemm, then one scale per output row
 *
 * All float32. The exponential is a Cody–Waite range reduction with a degree-6 polynomial, written
 * so that gcc -O3 -march=native vectorises the softmax loops (libm's expf is scalar without
 * -ffast-math); its relative error is about 1e-7 for the non-positive arguments it sees.
 *
 * Usage: attention_openblas N D WARMUP_CALLS MIN_SAMPLES MAX_SAMPLES MIN_TIME_MS INPUT OUTPUT
 *   INPUT holds Q, K, V (N·D float32 each, row-major, little-endian) back to back; OUTPUT receives
 *   O of the last call. Prints one line per sample: nanoseconds per call. Calls are batched into
 *   samples of at least 200 µs. Run with OPENBLAS_NUM_THREADS=1 for one thread.
 *
 * Build: gcc -O3 -march=native attention_openblas.c -o attention_openblas -lopenblas -lm
 */
#include <cblas.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MIN_SAMPLE_NS 200000.0
#define LANES 16

static double now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/* e^x for x ≤ 0 (clamped at −87, where e^x is ~1e−38 and the result stays a normal float). */
static inline float exp_nonpositive(float x) {
  const float shifter = 12582912.0f; /* 1.5 · 2^23: adding it leaves round(t) in the low mantissa bits */
  const int32_t shifter_bits = 0x4B400000; /* the bit pattern of shifter */
  float clamped = x < -87.0f ? -87.0f : x;
  float shifted = clamped * 1.44269504f + shifter;
  float k = shifted - shifter;
  float y = clamped - k * 0.693359375f + k * 2.12194440e-4f; /* x − k·ln2, ln2 split in two parts */
  float p = 1.0f + y * (1.0f + y * (0.5f + y * (1.0f / 6 + y * (1.0f / 24 + y * (1.0f / 120 + y * (1.0f / 720))))));
  int32_t bits;
  memcpy(&bits, &shifted, sizeof bits);
  int32_t scale_bits = (bits - shifter_bits + 127) << 23;
  float scale;
  memcpy(&scale, &scale_bits, sizeof scale);
  return p * scale;
}

struct attention {
  int n, d;
  float scale;
  const float *q, *k, *v;
  float *scores, *inv_sums, *out;
};

static void attention_run(const struct attention *a) {
  const int n = a->n, d = a->d;
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, n, n, d, a->scale, a->q, d, a->k, d, 0.0f, a->scores, n);
  for (int i = 0; i < n; i++) {
    float *row = a->scores + (size_t)i * n;
    float max = row[0];
    for (int j = 1; j < n; j++) max = row[j] > max ? row[j] : max;
    for (int j = 0; j < n; j++) row[j] = exp_nonpositive(row[j] - max);
    /* LANES partial sums: an in-order float sum does not vectorise without -ffast-math */
    float lanes[LANES] = {0.0f};
    int j = 0;
    for (; j + LANES <= n; j += LANES) {
      for (int l = 0; l < LANES; l++) lanes[l] += row[j + l];
    }
    float sum = 0.0f;
    for (int l = 0; l < LANES; l++) sum += lanes[l];
    for (; j < n; j++) sum += row[j];
    a->inv_sums[i] = 1.0f / sum;
  }
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, d, n, 1.0f, a->scores, n, a->v, d, 0.0f, a->out, d);
  for (int i = 0; i < n; i++) {
    float *row = a->out + (size_t)i * d;
    for (int h = 0; h < d; h++) row[h] *= a->inv_sums[i];
  }
}

static int fail(const char *what, const char *detail) {
  fprintf(stderr, "attention_openblas: %s%s%s\n", what, detail ? ": " : "", detail ? detail : "");
  return 1;
}

int main(int argc, char **argv) {
  if (argc != 9) return fail("usage: N D WARMUP_CALLS MIN_SAMPLES MAX_SAMPLES MIN_TIME_MS INPUT OUTPUT", NULL);
  const int n = atoi(argv[1]), d = atoi(argv[2]), warmup = atoi(argv[3]);
  const int min_samples = atoi(argv[4]), max_samples = atoi(argv[5]);
  const double min_time_ns = atof(argv[6]) * 1e6;
  if (n < 1 || d < 1 || min_samples < 1 || max_samples < min_samples) return fail("bad arguments", NULL);

  const size_t matrix = (size_t)n * d;
  float *inputs = malloc(3 * matrix * sizeof(float));
  float *scores = malloc((size_t)n * n * sizeof(float));
  float *inv_sums = malloc((size_t)n * sizeof(float));
  float *out = malloc(matrix * sizeof(float));
  double *samples = malloc((size_t)max_samples * sizeof(double));
  if (!inputs || !scores || !inv_sums || !out || !samples) return fail("out of memory", NULL);

  FILE *in = fopen(argv[7], "rb");
  if (!in) return fail("cannot open input", argv[7]);
  size_t got = fread(inputs, sizeof(float), 3 * matrix, in);
  fclose(in);
  if (got != 3 * matrix) return fail("input is shorter than 3·N·D floats", argv[7]);

  const struct attention a = {
    .n = n, .d = d, .scale = 1.0f / sqrtf((float)d),
    .q = inputs, .k = inputs + matrix, .v = inputs + 2 * matrix,
    .scores = scores, .inv_sums = inv_sums, .out = out,
  };

  for (int i = 0; i < warmup; i++) attention_run(&a);
  double t0 = now_ns();
  attention_run(&a);
  const double one_call = now_ns() - t0;
  const int calls = one_call >= MIN_SAMPLE_NS ? 1 : (int)ceil(MIN_SAMPLE_NS / (one_call > 1.0 ? one_call : 1.0));

  int taken = 0;
  double measured = 0.0;
  while (taken < max_samples && (taken < min_samples || measured < min_time_ns)) {
    t0 = now_ns();
    for (int c = 0; c < calls; c++) attention_run(&a);
    const double elapsed = now_ns() - t0;
    measured += elapsed;
    samples[taken++] = elapsed / calls;
  }

  FILE *result = fopen(argv[8], "wb");
  if (!result) return fail("cannot open output", argv[8]);
  fwrite(out, sizeof(float), matrix, result);
  fclose(result);
  for (int i = 0; i < taken; i++) printf("%.1f\n", samples[i]);
  free(inputs); free(scores); free(inv_sums); free(out); free(samples);
  return 0;
}
