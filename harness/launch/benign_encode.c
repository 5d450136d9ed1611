/*
 * minerlab-encode — a benign, video-encoder-like floating-point workload for
 * the false-positive scenarios: synthetic 640x360 frames are cut into 8x8
 * blocks, transformed with a float DCT, quantised, entropy-sized and
 * reconstructed with the inverse DCT, frame after frame, for a wall-clock
 * time.  No network, no files.
 *
 *   minerlab-encode [SECONDS]      (default 20, at most 3600)
 *
 * Prints one summary line (frames, fps, PSNR) on stdout at the end.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define W 640
#define H 360
#define N 8

static float cosines[N][N];
static float frame[H][W], recon[H][W];

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void init_tables(void)
{
    for (int k = 0; k < N; k++)
        for (int n = 0; n < N; n++)
            cosines[k][n] = cosf((float)M_PI / N * ((float)n + 0.5f) * (float)k) *
                            (k == 0 ? sqrtf(1.0f / N) : sqrtf(2.0f / N));
}

/* A moving gradient with texture and a little noise: an encoder's input. */
static void make_frame(int t, uint32_t *rng)
{
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++) {
            *rng = *rng * 1664525u + 1013904223u;
            float noise = (float)(*rng >> 24) / 64.0f;
            frame[y][x] = 128.0f + 60.0f * sinf((float)(x + 3 * t) / 37.0f) *
                                       cosf((float)(y - 2 * t) / 23.0f) +
                          noise;
        }
}

static void dct2(const float in[N][N], float out[N][N], int inverse)
{
    float tmp[N][N];
    for (int i = 0; i < N; i++)
        for (int k = 0; k < N; k++) {
            float s = 0;
            for (int n = 0; n < N; n++)
                s += inverse ? cosines[n][k] * in[i][n] : cosines[k][n] * in[i][n];
            tmp[i][k] = s;
        }
    for (int k = 0; k < N; k++)
        for (int j = 0; j < N; j++) {
            float s = 0;
            for (int n = 0; n < N; n++)
                s += inverse ? cosines[n][k] * tmp[n][j] : cosines[k][n] * tmp[n][j];
            out[k][j] = s;
        }
}

/* Encodes and decodes one frame; returns the coded size estimate in bits. */
static long encode_frame(float quant)
{
    long bits = 0;
    float blk[N][N], coef[N][N];
    for (int by = 0; by < H; by += N)
        for (int bx = 0; bx < W; bx += N) {
            for (int y = 0; y < N; y++)
                for (int x = 0; x < N; x++)
                    blk[y][x] = frame[by + y][bx + x] - 128.0f;
            dct2(blk, coef, 0);
            for (int y = 0; y < N; y++)
                for (int x = 0; x < N; x++) {
                    float q = roundf(coef[y][x] / (quant * (1 + x + y)));
                    bits += q != 0.0f ? 4 + (long)log2f(fabsf(q) + 1) * 2 : 1;
                    coef[y][x] = q * quant * (1 + x + y);
                }
            dct2(coef, blk, 1);
            for (int y = 0; y < N; y++)
                for (int x = 0; x < N; x++)
                    recon[by + y][bx + x] = blk[y][x] + 128.0f;
        }
    return bits;
}

static double psnr(void)
{
    double se = 0;
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++) {
            double d = frame[y][x] - recon[y][x];
            se += d * d;
        }
    se /= (double)W * H;
    return se > 0 ? 10.0 * log10(255.0 * 255.0 / se) : 99.0;
}

int main(int argc, char **argv)
{
    double seconds = argc > 1 ? atof(argv[1]) : 20.0;
    if (!(seconds > 0 && seconds <= 3600)) {
        fprintf(stderr, "usage: minerlab-encode [SECONDS (0-3600]]\n");
        return 2;
    }
    uint32_t rng = 12345;
    long frames = 0, bits = 0;
    double start = now_s(), last_psnr = 0;
    init_tables();
    while (now_s() - start < seconds) {
        make_frame((int)frames, &rng);
        bits += encode_frame(6.0f);
        last_psnr = psnr();
        frames++;
    }
    double el = now_s() - start;
    printf("frames=%ld fps=%.1f kbit_per_frame=%.1f psnr_db=%.2f\n", frames, frames / el,
           frames ? bits / 1000.0 / frames : 0.0, last_psnr);
    return 0;
}
