# The curves figure: per epoch, the NLL and accuracy of the point estimate (the mean of q) on
# the test set (or the validation split) and the median posterior sd of q; lines: means over
# each variant's ok seeds, bands: ±1 sd (sample sd; 0 with one seed). Runs that diverged stay
# out of the means and are counted in the key. Reads curves.csv and runs.csv; run it in the
# results directory: gnuplot curves.gp
load "style.gp"
data_file = "curves.csv"
load "runs.gp"
stats data_file using "epoch" nooutput
epochs = int(STATS_max)
scored = system("grep -qs '\"scored_on\": \"[^\"]*validation' manifest.json && echo validation || echo test")
array column_of[3] = ["nll", "acc", "posterior_sd_median"]
array title[3] = [scored . " NLL of the point estimate", scored . " accuracy of the point estimate", \
                  "median posterior sd of q"]
array ylabel[3] = ["NLL (nats)", "accuracy (%)", "sd (log scale)"]
array scale[3] = [1, 100, 1]
# Per panel q, variant k and epoch e: sums over the ok seeds' values, for means and sds.
# (Results from before curves.csv had posterior_sd_median have no sd panel.)
header = "," . system("head -n 1 curves.csv") . ","
at3(q, k, e) = ((q - 1) * nv + k - 1) * epochs + e
array s1[3 * nv * epochs]; array s2[3 * nv * epochs]; array cnt[3 * nv * epochs]
array shown[3]
do for [i = 1:3 * nv * epochs] { s1[i] = 0; s2[i] = 0; cnt[i] = 0 }
do for [q = 1:3] {
    shown[q] = 0
    if (strstrt(header, "," . column_of[q] . ",")) {
        stats data_file using (v = strcol("variant"), x = column(column_of[q]), \
            skip(v, strcol("seed")) || !finite(column("nll")) || !finite(x) || (q == 3 && x <= 0) ? 0 : \
            (i = at3(q, at(v), int(column("epoch"))), s1[i] = s1[i] + x, s2[i] = s2[i] + x * x, \
             cnt[i] = cnt[i] + 1, shown[q] = 1), 0) nooutput
    }
}
mean(q, k, e) = cnt[at3(q, k, e)] > 0 ? scale[q] * s1[at3(q, k, e)] / cnt[at3(q, k, e)] : 1/0
sd(q, k, e) = (i = at3(q, k, e), cnt[i] > 1 ? \
    scale[q] * sqrt(abs(s2[i] - s1[i] ** 2 / cnt[i]) / (cnt[i] - 1)) : 0)
# On the log axis the band's lower edge stays above 0.
lo(q, k, e) = q == 3 && mean(q, k, e) <= sd(q, k, e) ? mean(q, k, e) / 10 : mean(q, k, e) - sd(q, k, e)
label(k) = word(names, k) . note(k) . (runs[k] > 0 && ok[k] == 0 ? ", no curve" : "")
np = shown[1] + shown[2] + shown[3]
key_rows = ceil(nv / 3.0)
bottom = (70.0 + 18 * key_rows) / 470
# Markers every few epochs, each variant's at other epochs than its neighbours', so that lines
# drawn on top of each other still show every variant.
min(a, b) = a < b ? a : b
max(a, b) = a > b ? a : b
every = max(max(int(epochs / 8), 1), min(nv, int(epochs / 3)))
marked(k, e) = (int(e) - k) % every == 0
do for [fmt in "png svg"] {
    reset
    eval terminal(fmt, np == 1 ? 700 : 500 * np, 470)
    set output output("curves", fmt)
    set datafile nocolumnheaders  # else the first sample of "+" would be taken as a header
    set multiplot layout 1, np title "per epoch: lines, the mean over the ok seeds; bands, ±1 sd" \
        margins 0.07, 0.98, bottom, 0.88 spacing 0.07, 0
    set grid lc rgb grid_colour lt 1 lw 1
    set xlabel "epoch"
    set xrange [1:epochs > 1 ? epochs : 2]
    if (epochs <= 12) { set xtics 1 }
    set key at screen 0.5, screen 0.01 center bottom horizontal samplen 4 width 2
    do for [q = 1:3] {
        if (shown[q]) {
            set title title[q]
            set ylabel ylabel[q]
            unset logscale y
            set offsets 0, 0, 0, 0
            # A line on a decade is padded off the log axis' edge.
            if (q == 3) { set logscale y; set offsets 0, 0, graph 0.05, graph 0.05 }
            plot for [k = 1:nv] [e = 1:epochs:1] "+" using (e):(lo(q, k, e)):(mean(q, k, e) + sd(q, k, e)) \
                     with filledcurves fs transparent solid band_opacity noborder lt k notitle, \
                 for [k = 1:nv] [e = 1:epochs:1] "+" using (e):(mean(q, k, e)) with lines \
                     lt k lw width(k, nv) notitle, \
                 for [k = 1:nv] [e = 1:epochs:1] "+" using (e):(marked(k, e) ? mean(q, k, e) : 1/0) \
                     with points lt k notitle, \
                 for [k = 1:nv] keyentry with linespoints lt k lw width(k, nv) title label(k)
            unset key
        }
    }
    unset multiplot
    unset output
}
