/* Exact posteriors by GSL linear algebra (kept apart from the OpenBLAS-facing code: GSL's
 * and OpenBLAS's cblas headers cannot be included together). */
#include "exact.h"

#include <math.h>
#include <stdio.h>

#include <gsl/gsl_linalg.h>

int blr_exact_linreg(const float *x, const float *y, size_t n, int d, double noise_sd,
                     double prior_precision, double temperature, double *mean, double *mf_sd,
                     double *sd, char *err, size_t errlen)
{
    if (n == 0 || d < 1 || !(noise_sd > 0) || !(prior_precision >= 0) || !(temperature > 0)) {
        snprintf(err, errlen, "exact posterior: needs n > 0, d > 0, noise_sd > 0, "
                              "prior_precision >= 0 and temperature > 0");
        return -1;
    }
    size_t P = (size_t)d + 1;
    double s2 = noise_sd * noise_sd;
    gsl_matrix *H = gsl_matrix_calloc(P, P);
    gsl_vector *rhs = gsl_vector_calloc(P), *m = gsl_vector_alloc(P);
    gsl_vector *work = gsl_vector_alloc(3 * P);
    int rc = -1;
    if (!H || !rhs || !m || !work) {
        snprintf(err, errlen, "exact posterior: out of memory");
        goto done;
    }
    for (size_t k = 0; k < n; k++) {
        const float *row = x + k * (size_t)d;
        for (size_t i = 0; i < P; i++) {
            double xi = i < (size_t)d ? row[i] : 1.0;
            *gsl_vector_ptr(rhs, i) += xi * y[k] / s2;
            for (size_t j = 0; j < P; j++)
                *gsl_matrix_ptr(H, i, j) += xi * (j < (size_t)d ? row[j] : 1.0) / s2;
        }
    }
    for (size_t i = 0; i < P; i++) {
        *gsl_matrix_ptr(H, i, i) += prior_precision;
        if (mf_sd)
            mf_sd[i] = sqrt(temperature / gsl_matrix_get(H, i, i));
    }
    /* GSL's default handler aborts; a library must return the error instead. */
    gsl_set_error_handler_off();
    /* Cholesky succeeds on a numerically singular H (a tiny positive pivot): the condition
     * number is what tells a posterior from noise. */
    double rcond = 0.0;
    if (gsl_linalg_cholesky_decomp1(H) != 0 || gsl_linalg_cholesky_rcond(H, &rcond, work) != 0 ||
        rcond < 1e-12 || gsl_linalg_cholesky_solve(H, rhs, m) != 0 ||
        gsl_linalg_cholesky_invert(H) != 0) {
        snprintf(err, errlen, "exact posterior: the precision matrix is not positive definite");
        goto done;
    }
    for (size_t i = 0; i < P; i++) {
        mean[i] = gsl_vector_get(m, i);
        if (sd)
            sd[i] = sqrt(temperature * gsl_matrix_get(H, i, i));
    }
    rc = 0;
done:
    gsl_matrix_free(H);
    gsl_vector_free(rhs);
    gsl_vector_free(m);
    gsl_vector_free(work);
    return rc;
}
