# First-layer filters (first 16 hidden units, first seed) as 28x28 images, each scaled by its own largest magnitude.
# Data: filters.dat. Redraw filters.png and filters.svg: gnuplot filters.gp (in this directory).
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
    set terminal pngcairo size 930,960 font "sans,10" noenhanced
} else {
    set terminal svg size 930,960 font "sans,10" noenhanced background rgb "white"
}
set output "filters." . fmt
set grid lc rgb '#dddddd' lt 1 lw 1
set multiplot layout 3,3 title "first-layer filters of the first 16 units (each scaled to its largest |w|; red +, blue -)"
unset key
unset tics
unset grid
unset border
set size ratio -1
set xrange [-0.5:117.5]
set yrange [117.5:-0.5]
set cbtics 0.5
set palette defined (-1 '#2166ac', 0 'white', 1 '#b2182b')
set cbrange [-1:1]
set title "additive\npoint estimate, Hoyer 0.344"
plot 'filters.dat' index 0 matrix with image pixels
set multiplot next
set multiplot next
set palette defined (-1 '#2166ac', 0 'white', 1 '#b2182b')
set cbrange [-1:1]
set title "multiplicative\npoint estimate, Hoyer 0.366"
plot 'filters.dat' index 1 matrix with image pixels
set palette defined (0 'white', 1 '#b2182b')
set cbrange [0:1]
set title "multiplicative\ng+ (excitatory), Hoyer 0.234"
plot 'filters.dat' index 2 matrix with image pixels
set palette defined (0 'white', 1 '#b2182b')
set cbrange [0:1]
set title "multiplicative\ng- (inhibitory), Hoyer 0.279"
plot 'filters.dat' index 3 matrix with image pixels
set palette defined (-1 '#2166ac', 0 'white', 1 '#b2182b')
set cbrange [-1:1]
set title "sgd\npoint estimate, Hoyer 0.337"
plot 'filters.dat' index 4 matrix with image pixels
set multiplot next
set multiplot next
unset multiplot
set output
}
