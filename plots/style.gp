# Shared by the figures' programs (plots/*.gp): terminals, fonts, palette and line styles.
# Restyle every figure here, then redraw: `blr plot DIR`, or `gnuplot <figure>.gp` inside a
# results directory (which holds copies of the programs that drew it).

# Every program starts from gnuplot's defaults, whatever ran before it in the session.
reset

# blr runs the programs with -e "tmp = '.tmp'": it renames <figure>.png.tmp to <figure>.png
# only when gnuplot succeeds, so a failed redraw never leaves a truncated figure.
if (!exists("tmp")) { tmp = "" }
font = "sans,10"
# `eval terminal(fmt, width, height)`, fmt "png" or "svg", then `set output output(fig, fmt)`.
terminal(fmt, w, h) = fmt eq "png" ? \
    sprintf("set terminal pngcairo size %d,%d font '%s' noenhanced", w, h, font) : \
    sprintf("set terminal svg size %d,%d font '%s' noenhanced background rgb 'white'", w, h, font)
output(fig, fmt) = fig . "." . fmt . tmp

# Okabe–Ito colours (told apart with colour-blindness). Each line type also has its own dash
# pattern and marker: two variants with the same values (sgd and the additive rule often are)
# still show both, and the earlier drawn of two equal lines is the wider (width(k, n)).
array colour[8] = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", \
                   "#000000", "#999999"]
array marker[8] = [7, 5, 9, 13, 11, 6, 4, 8]
do for [k = 1:8] {
    set linetype k lc rgb colour[k] lw 2 dt k pt marker[k] ps 0.9
}
set linetype cycle 8
width(k, n) = n > 1 ? 1.5 + 2.5 * (n - k) / (n - 1.0) : 2
grid_colour = "#dddddd"
band_opacity = 0.15
# A tic step of 1, 2 or 5 times a power of ten giving about five tics over span: enough to
# read a value, few enough that labels do not crowd.
nice(span) = (e = 10 ** floor(log10(span / 5.0)), f = span / 5.0 / e, (f < 1.5 ? 1 : (f < 3.5 ? 2 : (f < 7.5 ? 5 : 10))) * e)
