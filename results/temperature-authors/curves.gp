# Per epoch: lines = mean over seeds, bands = ±1 sd (0 with one seed).
# Data: curves.dat. Redraw curves.png and curves.svg: gnuplot curves.gp (in this directory).
set linetype 1 lc rgb '#0072B2' lw 2 pt 7 ps 0.7
set linetype 2 lc rgb '#D55E00' lw 2 pt 7 ps 0.7
set linetype 3 lc rgb '#009E73' lw 2 pt 7 ps 0.7
set linetype 4 lc rgb '#CC79A7' lw 2 pt 7 ps 0.7
set linetype 5 lc rgb '#E69F00' lw 2 pt 7 ps 0.7
set linetype 6 lc rgb '#56B4E9' lw 2 pt 7 ps 0.7
set linetype 7 lc rgb '#000000' lw 2 pt 7 ps 0.7
set linetype 8 lc rgb '#999999' lw 2 pt 7 ps 0.7
set linetype cycle 8
do for [fmt in "png svg"] {
reset
set encoding utf8
if (fmt eq "png") {
    set terminal pngcairo size 1500,450 font "sans,10" noenhanced
} else {
    set terminal svg size 1500,450 font "sans,10" noenhanced background rgb "white"
}
set output "curves." . fmt
set grid lc rgb '#dddddd' lt 1 lw 1
set multiplot
unset key
set xlabel "epoch"
set bmargin at screen 0.182
set tmargin at screen 0.93
set lmargin at screen 0.047
set rmargin at screen 0.313
set ylabel "test NLL (nats)"
set title "test NLL (point estimate)"
unset logscale y
set offsets 0, 0, 0, 0
plot 'curves.dat' index 0 using 1:(1*($2-$3)):(1*($2+$3)) with filledcurves fs transparent solid 0.2 noborder lt 1 notitle, \
     '' index 0 using 1:(1*$2) with lines lt 1 dt 1 notitle, \
     'curves.dat' index 1 using 1:(1*($2-$3)):(1*($2+$3)) with filledcurves fs transparent solid 0.2 noborder lt 2 notitle, \
     '' index 1 using 1:(1*$2) with lines lt 2 dt 1 notitle, \
     'curves.dat' index 2 using 1:(1*($2-$3)):(1*($2+$3)) with filledcurves fs transparent solid 0.2 noborder lt 3 notitle, \
     '' index 2 using 1:(1*$2) with lines lt 3 dt 1 notitle
set lmargin at screen 0.380
set rmargin at screen 0.647
set ylabel "test accuracy (%)"
set title "test accuracy (point estimate)"
unset logscale y
set offsets 0, 0, 0, 0
plot 'curves.dat' index 0 using 1:(100*($5-$6)):(100*($5+$6)) with filledcurves fs transparent solid 0.2 noborder lt 1 notitle, \
     '' index 0 using 1:(100*$5) with lines lt 1 dt 1 notitle, \
     'curves.dat' index 1 using 1:(100*($5-$6)):(100*($5+$6)) with filledcurves fs transparent solid 0.2 noborder lt 2 notitle, \
     '' index 1 using 1:(100*$5) with lines lt 2 dt 1 notitle, \
     'curves.dat' index 2 using 1:(100*($5-$6)):(100*($5+$6)) with filledcurves fs transparent solid 0.2 noborder lt 3 notitle, \
     '' index 2 using 1:(100*$5) with lines lt 3 dt 1 notitle
set lmargin at screen 0.713
set rmargin at screen 0.980
set ylabel "sd (log scale)"
set title "median posterior sd of q"
set logscale y
set offsets 0, 0, graph 0.05, graph 0.05
plot 'curves.dat' index 0 using 1:($8-$9 > 0 ? $8-$9 : $8/10):(1*($8+$9)) with filledcurves fs transparent solid 0.2 noborder lt 1 notitle, \
     '' index 0 using 1:(1*$8) with lines lt 1 dt 1 notitle, \
     'curves.dat' index 1 using 1:($8-$9 > 0 ? $8-$9 : $8/10):(1*($8+$9)) with filledcurves fs transparent solid 0.2 noborder lt 2 notitle, \
     '' index 1 using 1:(1*$8) with lines lt 2 dt 1 notitle, \
     'curves.dat' index 2 using 1:($8-$9 > 0 ? $8-$9 : $8/10):(1*($8+$9)) with filledcurves fs transparent solid 0.2 noborder lt 3 notitle, \
     '' index 2 using 1:(1*$8) with lines lt 3 dt 1 notitle
unset logscale y
set lmargin at screen 0.02
set rmargin at screen 0.98
set bmargin at screen 0.01
set tmargin at screen 0.053
unset border
unset tics
unset xlabel
unset ylabel
unset title
unset grid
unset object
unset arrow
set xrange [0:1]
set yrange [0:1]
set key center center horizontal maxrows 1 samplen 3 width 2
plot 2 with lines lt 1 dt 1 title 'multiplicative-temperature0.006', \
     2 with lines lt 2 dt 1 title 'multiplicative-temperature0.0006', \
     2 with lines lt 3 dt 1 title 'multiplicative-temperature0.06'
unset multiplot
set output
}
