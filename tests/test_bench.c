/* blr bench's building blocks: what they measure, not how fast (speed is reported by
 * `make bench`, never asserted). */
#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

#include "bench.h"

/* An mlp 784-16-8-10 has three layers: the first needs a forward and a weight gradient, the
 * others also an input gradient, 2 + 3 + 3 products with these (m, n, k). */
Test(bench, gemm_rows_are_the_steps_products)
{
    blr_model_spec spec;
    memset(&spec, 0, sizeof spec);
    spec.arch = BLR_ARCH_MLP;
    spec.n_hidden = 2;
    spec.hidden[0] = 16;
    spec.hidden[1] = 8;
    blr_bench_gemm_row rows[16];
    int n = 0;
    char err[256];
    cr_assert_eq(blr_bench_gemm(&spec, 32, 3, rows, 16, &n, err, sizeof err), 0, "%s", err);
    cr_assert_eq(n, 8);
    const int want[8][3] = {{32, 16, 784}, {16, 784, 32}, {32, 8, 16}, {8, 16, 32},
                            {32, 16, 8},   {32, 10, 8},   {10, 8, 32}, {32, 8, 10}};
    const char *what[8] = {"layer1-forward", "layer1-weight-grad", "layer2-forward",
                           "layer2-weight-grad", "layer2-input-grad", "layer3-forward",
                           "layer3-weight-grad", "layer3-input-grad"};
    for (int i = 0; i < 8; i++) {
        cr_assert_str_eq(rows[i].what, what[i]);
        cr_assert_eq(rows[i].m, want[i][0], "row %d m", i);
        cr_assert_eq(rows[i].n, want[i][1], "row %d n", i);
        cr_assert_eq(rows[i].k, want[i][2], "row %d k", i);
        cr_assert(rows[i].ms > 0 && isfinite(rows[i].gflops) && rows[i].gflops > 0);
        /* gflops is the product's 2mnk flops over its time. */
        double g = 2.0 * rows[i].m * rows[i].n * rows[i].k / (rows[i].ms * 1e6);
        cr_assert(fabs(g - rows[i].gflops) <= 1e-9 * g, "row %d: %g vs %g", i, g,
                  rows[i].gflops);
    }
    cr_assert_eq(blr_bench_gemm(&spec, 32, 3, rows, 4, &n, err, sizeof err), -1);
    cr_assert(strstr(err, "more than 4 products"), "%s", err);
    spec.arch = BLR_ARCH_CNN;
    cr_assert_eq(blr_bench_gemm(&spec, 32, 3, rows, 16, &n, err, sizeof err), -1);
    cr_assert(strstr(err, "arch mlp only"), "%s", err);
}

Test(bench, sampling_rates_are_positive_for_both_paths)
{
    blr_base b;
    char err[256];
    cr_assert_eq(blr_base_init(&b, BLR_BASE_LAPLACE, 0, 1.0, err, sizeof err), 0, "%s", err);
    double fast = blr_bench_sampling(&b, 1000, 3, 0), gsl = blr_bench_sampling(&b, 1000, 3, 1);
    cr_assert(isfinite(fast) && fast > 0, "%g", fast);
    cr_assert(isfinite(gsl) && gsl > 0, "%g", gsl);
}
