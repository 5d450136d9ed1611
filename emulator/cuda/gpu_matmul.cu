/*
 * minerlab-gpu-matmul — a benign GPU compute job (the near miss of
 * scenarios/benign/benign-gpu-compute.yaml): a tiled single-precision
 * matrix multiply, C = A x B on N x N matrices, launched again and again
 * for the window, as a training or simulation job keeps a GPU busy.
 * Nothing of RandomX, no network. At the end a sample of C is checked
 * against the CPU (double precision) and one JSON line is printed.
 *
 *   minerlab-gpu-matmul --probe            exit 0 when a CUDA device can be
 *                                          used (prints its name), else 3
 *   minerlab-gpu-matmul [--seconds S] [--size N]   (defaults 60, 2048)
 *
 * Exit codes: 0 ran and verified, 1 a CUDA error or a wrong result, 2 usage,
 * 3 no usable device.
 */
#include <cuda_runtime.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define TILE 16

__global__ void sgemm(const float *a, const float *b, float *c, int n)
{
    __shared__ float as[TILE][TILE], bs[TILE][TILE];
    int row = blockIdx.y * TILE + threadIdx.y, col = blockIdx.x * TILE + threadIdx.x;
    float acc = 0.0f;
    for (int t = 0; t < n; t += TILE) {
        as[threadIdx.y][threadIdx.x] =
            row < n && t + threadIdx.x < n ? a[row * n + t + threadIdx.x] : 0.0f;
        bs[threadIdx.y][threadIdx.x] =
            col < n && t + threadIdx.y < n ? b[(t + threadIdx.y) * n + col] : 0.0f;
        __syncthreads();
        for (int k = 0; k < TILE; k++)
            acc += as[threadIdx.y][k] * bs[k][threadIdx.x];
        __syncthreads();
    }
    if (row < n && col < n)
        c[row * n + col] = acc;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int cuda_fail(cudaError_t e, const char *what)
{
    fprintf(stderr, "minerlab-gpu-matmul: %s: %s\n", what, cudaGetErrorString(e));
    return 1;
}

/* Values in [-1, 1) from a fixed LCG: the same matrices every run. */
static void fill(float *m, size_t count, unsigned seed)
{
    for (size_t i = 0; i < count; i++) {
        seed = seed * 1664525u + 1013904223u;
        m[i] = (float)(seed >> 8) / (float)(1u << 23) - 1.0f;
    }
}

static int probe(void)
{
    int count = 0;
    cudaError_t e = cudaGetDeviceCount(&count);
    if (e != cudaSuccess || count < 1) {
        fprintf(stderr, "minerlab-gpu-matmul: no usable CUDA device: %s\n",
                e != cudaSuccess ? cudaGetErrorString(e) : "none found");
        return 3;
    }
    cudaDeviceProp p;
    if ((e = cudaGetDeviceProperties(&p, 0)) != cudaSuccess)
        return cuda_fail(e, "cudaGetDeviceProperties");
    printf("%s\n", p.name);
    return 0;
}

int main(int argc, char **argv)
{
    double seconds = 60;
    long n = 2048;
    for (int i = 1; i < argc; i++) {
        char *end = NULL;
        if (!strcmp(argv[i], "--probe") && argc == 2)
            return probe();
        if (!strcmp(argv[i], "--seconds") && i + 1 < argc) {
            seconds = strtod(argv[++i], &end);
            if (*end || !(seconds > 0 && seconds <= 86400))
                goto usage;
        } else if (!strcmp(argv[i], "--size") && i + 1 < argc) {
            n = strtol(argv[++i], &end, 10);
            if (*end || n < TILE || n > 8192)
                goto usage;
        } else {
            goto usage;
        }
    }
    {
        int rc = probe();
        if (rc)
            return rc;
        size_t count = (size_t)n * (size_t)n, bytes = count * sizeof(float);
        float *a = (float *)malloc(bytes), *b = (float *)malloc(bytes),
              *c = (float *)malloc(bytes);
        float *da = NULL, *db = NULL, *dc = NULL;
        cudaError_t e = cudaSuccess;
        long iterations = 0;
        double t0, t1;
        dim3 block(TILE, TILE), grid((unsigned)((n + TILE - 1) / TILE),
                                     (unsigned)((n + TILE - 1) / TILE));
        rc = 1;
        if (!a || !b || !c) {
            fprintf(stderr, "minerlab-gpu-matmul: out of memory\n");
            goto out;
        }
        fill(a, count, 1);
        fill(b, count, 2);
        if ((e = cudaMalloc((void **)&da, bytes)) != cudaSuccess ||
            (e = cudaMalloc((void **)&db, bytes)) != cudaSuccess ||
            (e = cudaMalloc((void **)&dc, bytes)) != cudaSuccess) {
            cuda_fail(e, "cudaMalloc");
            goto out;
        }
        if ((e = cudaMemcpy(da, a, bytes, cudaMemcpyHostToDevice)) != cudaSuccess ||
            (e = cudaMemcpy(db, b, bytes, cudaMemcpyHostToDevice)) != cudaSuccess) {
            cuda_fail(e, "cudaMemcpy");
            goto out;
        }
        t0 = now_s();
        do {
            sgemm<<<grid, block>>>(da, db, dc, (int)n);
            if ((e = cudaDeviceSynchronize()) != cudaSuccess) {
                cuda_fail(e, "sgemm");
                goto out;
            }
            iterations++;
        } while (now_s() - t0 < seconds);
        t1 = now_s();
        if ((e = cudaMemcpy(c, dc, bytes, cudaMemcpyDeviceToHost)) != cudaSuccess) {
            cuda_fail(e, "cudaMemcpy");
            goto out;
        }
        {
            /* 64 elements spread over C against a double-precision dot product. */
            int bad = 0;
            for (int s = 0; s < 64; s++) {
                long r = (long)((s * 7919L) % n), col = (long)((s * 104729L) % n);
                double want = 0;
                for (long k = 0; k < n; k++)
                    want += (double)a[r * n + k] * (double)b[k * n + col];
                if (fabs(want - (double)c[r * n + col]) > 1e-3 * (1.0 + fabs(want)) * sqrt((double)n))
                    bad++;
            }
            double gflops = 2.0 * (double)n * (double)n * (double)n * (double)iterations /
                            (t1 - t0) / 1e9;
            printf("{\"job\":\"sgemm\",\"size\":%ld,\"iterations\":%ld,\"seconds\":%.3f,"
                   "\"gflops\":%.1f,\"verified\":%s}\n",
                   n, iterations, t1 - t0, gflops, bad ? "false" : "true");
            if (bad)
                fprintf(stderr, "minerlab-gpu-matmul: %d of 64 sampled elements wrong\n", bad);
            rc = bad ? 1 : 0;
        }
    out:
        cudaFree(da);
        cudaFree(db);
        cudaFree(dc);
        free(a);
        free(b);
        free(c);
        return rc;
    }
usage:
    fprintf(stderr, "usage: minerlab-gpu-matmul --probe | [--seconds S (0-86400)] "
                    "[--size N (16-8192)]\n");
    return 2;
}
