# The filters figure (paper Sec. 5.1, Fig. 3): first-layer filters of an MLP on 28×28 images,
# the first 16 hidden units of the lowest seed's run, one row of panels per variant, one panel
# per array: the point estimate (the mean of q), and for the multiplicative rule its
# excitatory g+ and inhibitory g- parts. Each filter is scaled by its own largest |w|, so that
# its shape shows and not its size; the titles give the mean Hoyer sparsity of the shown
# filters at their real scale (1: one non-zero weight, 0: all equal). Reads filters.dat
# (written by blr from filters/*.csv); run it in the results directory: gnuplot filters.gp
load "style.gp"
stats "filters.dat" index 0 using 0 nooutput
n = STATS_records
array variant[n]; array seed[n]; array part[n]; array hoyer[n]; array row[n]; array col[n]
rows = 0; cols = 0
stats "filters.dat" index 0 using (k = int($0) + 1, variant[k] = strcol(1), seed[k] = $2, \
    part[k] = strcol(3), hoyer[k] = $4, row[k] = $6, col[k] = $7, \
    rows = $6 > rows ? $6 : rows, cols = $7 > cols ? $7 : cols, 0) nooutput
part_title(a) = a eq "g+" ? "g+ (excitatory)" : (a eq "g-" ? "g- (inhibitory)" : "point estimate")
side = 4 * 28 + 3 * 2   # 4×4 filters of 28 pixels, 2 blank pixels apart
do for [fmt in "png svg"] {
    reset
    eval terminal(fmt, 30 + 300 * cols, 60 + 300 * rows)
    set output output("filters", fmt)
    set multiplot layout rows, cols title "first-layer filters of the first 16 units, lowest " . \
        "seed (each scaled to its largest |w|; red +, blue -)"
    unset key; unset tics; unset grid; unset border
    set size ratio -1
    set xrange [-0.5:side - 0.5]; set yrange [side - 0.5:-0.5]
    set cbtics 0.5
    k = 1
    do for [r = 1:rows] {
        do for [c = 1:cols] {
            if (k <= n && row[k] == r && col[k] == c) {
                # g± are positive: a one-sided scale; the signed point estimate: two-sided.
                if (part[k] eq "mean") {
                    set palette defined (-1 "#2166ac", 0 "white", 1 "#b2182b"); set cbrange [-1:1]
                } else {
                    set palette defined (0 "white", 1 "#b2182b"); set cbrange [0:1]
                }
                set title sprintf("%s, seed %d\n%s, Hoyer %.3f", variant[k], seed[k], \
                    part_title(part[k]), hoyer[k])
                plot "filters.dat" index k matrix with image pixels
                k = k + 1
            } else {
                set multiplot next
            }
        }
    }
    unset multiplot
    unset output
}
