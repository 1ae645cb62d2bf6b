# Writes experiments/data/linreg.csv, the Bayesian linear-regression problem of
# experiments/linreg-exact.yaml. Regenerate (byte-identical) with
#     awk -f scripts/make-linreg.awk > experiments/data/linreg.csv
#
# N = 100 rows, header x1,...,x5,y. Features from standard normals z1..z5:
#     x1 = z1,  x2 = 0.8 z1 + 0.6 z2  (corr 0.8),  x3 = z3,
#     x4 = 0.5 z3 + sqrt(0.75) z4  (corr 0.5),     x5 = z5,
# all unit variance; y = x . w + 0.5 e with w = (1, -0.5, 2, 0, -1.5), e standard normal,
# no intercept. The correlated pairs make the mean-field posterior differ visibly from the
# full one. Values have 6 significant digits, and y is computed from the rounded x.
#
# awk's own rand() differs between awks (mawk, gawk, busybox), so the stream is the
# Park-Miller generator (a = 48271, m = 2^31 - 1): its products stay below 2^53, exact in
# the doubles every awk computes with. Normals by Box-Muller.
BEGIN {
    state = 20230307
    n = 100
    split("1 -0.5 2 0 -1.5", w, " ")
    print "x1,x2,x3,x4,x5,y"
    for (i = 0; i < n; i++) {
        for (j = 1; j <= 5; j++)
            z[j] = normal()
        x[1] = z[1]
        x[2] = 0.8 * z[1] + 0.6 * z[2]
        x[3] = z[3]
        x[4] = 0.5 * z[3] + sqrt(0.75) * z[4]
        x[5] = z[5]
        y = 0
        line = ""
        for (j = 1; j <= 5; j++) {
            x[j] = sprintf("%.6g", x[j]) + 0
            y += w[j] * x[j]
            line = line sprintf("%.6g,", x[j])
        }
        y += 0.5 * normal()
        print line sprintf("%.6g", y)
    }
}

# Uniform on (0, 1): the generator's states are 1 .. m-1.
function uniform() {
    state = (48271 * state) % 2147483647
    return state / 2147483647
}

function normal(u1, u2) {
    u1 = uniform()
    u2 = uniform()
    return sqrt(-2 * log(u1)) * cos(6.283185307179586 * u2)
}
