# The posterior figure of a regression experiment: per coordinate, each method's posterior
# mean ± sd (error bars, offset per method; the smallest seed's run). With the exact
# (mean-field) posterior of Bayesian linear regression (docs/experiments.md) two more panels
# measure each method against it in its own sd: (b) (mean − exact mean) / exact sd, (c) sd /
# exact sd, the grey bands being the tolerances of tests/test_exact.c. Reads posterior.dat
# (which posterior file stands for each method) and those files; run it in the results
# directory: gnuplot posterior.gp
load "style.gp"
tol_mean = 0.1     # |mean − exact mean| <= 0.1 exact sd
tol_sd = 0.1       # |sd − exact sd| <= 10 % of the exact sd
max_coords = 40    # more error bars per coordinate would be unreadable
stats "posterior.dat" using 0 nooutput
n = STATS_records
array method[n]; array file[n]; array seed[n]; array coords[n]; array point_mass[n]
stats "posterior.dat" using (k = int($0) + 1, method[k] = strcol(1), file[k] = strcol(2), \
    seed[k] = $3, 0) nooutput
# The posterior files: CSV with a header line.
csv = "set datafile separator comma; set datafile columnheaders"
eval csv
exact = method[1] eq "exact"
first = exact + 1
nm = n - exact
same_seed = 1
do for [k = 1:n] {
    same_seed = same_seed && (k < first || seed[k] == seed[first])
    point_mass[k] = 1
    stats file[k] using (coords[k] = int($1) + 1, point_mass[k] = point_mass[k] && $3 == 0, 0) nooutput
}
shown = 0
do for [k = 1:n] { shown = coords[k] > shown ? coords[k] : shown }
all = shown
shown = shown < max_coords ? shown : max_coords
label(k) = method[k] . (point_mass[k] ? " (point mass: sd 0)" : "")
offset(k) = (k - first - 0.5 * (nm - 1)) * 0.8 / nm
if (exact) {
    array emean[shown]; array esd[shown]
    stats file[1] using ($1 < shown ? (emean[int($1) + 1] = $2, esd[int($1) + 1] = $3) : 0, 0) nooutput
}
# (mean − exact mean) / exact sd and sd / exact sd; NaN where the exact sd is 0.
z(i, m) = i < shown && esd[int(i) + 1] > 0 ? (m - emean[int(i) + 1]) / esd[int(i) + 1] : NaN
ratio(i, s) = i < shown && esd[int(i) + 1] > 0 ? s / esd[int(i) + 1] : NaN
if (exact) {
    zmin = 0; zmax = 0; rmin = 1; rmax = 1
    do for [k = first:n] {
        stats file[k] using (u = z($1, $2), v = ratio($1, $3), \
            zmin = u < zmin ? u : zmin, zmax = u > zmax ? u : zmax, \
            rmin = !point_mass[k] && v > 0 && v < rmin ? v : rmin, \
            rmax = !point_mass[k] && v > rmax ? v : rmax, 0) nooutput
    }
    # Past ±10 tolerances one far-off method would squeeze a linear axis and hide everyone
    # else's errors: (b) turns to asinh(y / tol), linear within the band, logarithmic beyond;
    # (c) to a log axis.
    z_scaled = zmin < -10 * tol_mean || zmax > 10 * tol_mean
    r_scaled = rmin < 0.5 || rmax > 2
    n_point_masses = 0
    do for [k = first:n] { n_point_masses = n_point_masses + point_mass[k] }
}
title_a = (exact ? "(a) " : "") . "posterior mean ± sd per coordinate" . \
    (same_seed ? sprintf(", seed %d", seed[first]) : ", smallest seed per method") . \
    (shown < all ? sprintf(" (first %d of %d coordinates)", shown, all) : "")
array tic_z[11]
do for [fmt in "png svg"] {
    reset
    eval terminal(fmt, 1000, exact ? 900 : 520)
    set output output("posterior", fmt)
    eval csv
    set grid lc rgb grid_colour lt 1 lw 1
    if (exact) {
        set multiplot
        set key at screen 0.5, screen 0.01 center bottom horizontal samplen 3 width 2
        set lmargin at screen 0.08; set rmargin at screen 0.98
        set tmargin at screen 0.96; set bmargin at screen 0.61
    } else {
        set key outside right top vertical Left reverse
    }
    set title title_a
    set xlabel "coordinate index"
    set ylabel "posterior mean ± sd"
    set xrange [-0.6:shown - 0.4]
    if (shown > 20) { set xtics 5; set mxtics 5 } else { set xtics 1 }
    set offsets 0, 0, graph 0.05, graph 0.05
    plot for [k = 1:exact] file[1] using 1:2:($1 - 0.45):($1 + 0.45):($2 - $3):($2 + $3) \
             every ::0::shown - 1 with boxxyerror fs transparent solid 0.3 noborder \
             lc rgb "#888888" title "exact (mean ± sd)", \
         for [k = 1:exact] file[1] using ($1 - 0.45):2:(0.9):(0) every ::0::shown - 1 \
             with vectors nohead lc rgb "#444444" lw 1.5 notitle, \
         for [k = first:n] file[k] using ($1 + offset(k)):2:3 every ::0::shown - 1 \
             with yerrorbars lt k - exact dt solid pt marker[(k - exact - 1) % 8 + 1] title label(k)
    if (exact) {
        unset key
        set tmargin at screen 0.52; set bmargin at screen 0.08 + 0.03 * ceil(n / 5.0)
        set lmargin at screen 0.08; set rmargin at screen 0.48
        set title sprintf("(b) standardized mean error (band: ±%g%s)", tol_mean, \
            z_scaled ? "; asinh axis, linear within the band" : "")
        set ylabel "(mean − exact mean) / exact sd"
        set object 1 rectangle from graph 0, first -tol_mean to graph 1, first tol_mean \
            fc rgb "#dddddd" fs solid 0.6 noborder behind
        if (z_scaled) {
            set nonlinear y via asinh(y / tol_mean) inverse tol_mean * sinh(y)
            set ytics (0, tol_mean, -tol_mean)
            do for [e = 1:5] { set ytics add (tol_mean * 10**e, -tol_mean * 10**e) }
            set yrange [zmin < -2 * tol_mean ? zmin * 1.3 : -2 * tol_mean : zmax > 2 * tol_mean ? zmax * 1.3 : 2 * tol_mean]
            set format y "%g"
        } else {
            set yrange [*<-2 * tol_mean:2 * tol_mean<*]
        }
        plot 0 with lines lc rgb "#444444" lw 1 notitle, \
             for [k = first:n] file[k] using ($1 + offset(k)):(z($1, $2)) every ::0::shown - 1 \
                 with points lt k - exact pt marker[(k - exact - 1) % 8 + 1] notitle
        unset nonlinear y
        set ytics autofreq
        set lmargin at screen 0.58; set rmargin at screen 0.98
        set title sprintf("(c) sd ratio (band: ±%g %%%s)%s", 100 * tol_sd, \
            r_scaled ? "; log axis" : "", n_point_masses ? ", point masses omitted" : "")
        set ylabel "sd / exact sd"
        set object 1 rectangle from graph 0, first 1 - tol_sd to graph 1, first 1 + tol_sd \
            fc rgb "#dddddd" fs solid 0.6 noborder behind
        if (r_scaled) {
            set logscale y
            set yrange [rmin < 0.8 ? rmin / 1.3 : 0.8:rmax > 1.2 ? rmax * 1.3 : 1.2]
        } else {
            set yrange [*<1 - 2 * tol_sd:1 + 2 * tol_sd<*]
        }
        plot 1 with lines lc rgb "#444444" lw 1 notitle, \
             for [k = first:n] file[k] using ($1 + offset(k)):(point_mass[k] ? NaN : ratio($1, $3)) \
                 every ::0::shown - 1 with points lt k - exact pt marker[(k - exact - 1) % 8 + 1] notitle
        # The key: one entry per method, under the panels.
        unset object 1
        unset logscale y
        set key at screen 0.5, screen 0.01 center bottom horizontal samplen 3 width 2
        set lmargin at screen 0.02; set rmargin at screen 0.98
        set tmargin at screen 0.07; set bmargin at screen 0.01
        unset border; unset tics; unset xlabel; unset ylabel; unset title; unset grid
        set xrange [0:1]; set yrange [0:1]
        plot 2 with filledcurves y1 = 3 fs transparent solid 0.3 noborder lc rgb "#888888" \
                 title "exact (mean ± sd)", \
             for [k = first:n] 2 with linespoints lt k - exact pt marker[(k - exact - 1) % 8 + 1] \
                 title label(k)
        unset multiplot
    }
    unset output
}
