# Base-distribution ablation: mean +/- sd over the ok runs of each variant (model-averaged metrics where the experiment has them).
# Data: ablation.dat. Redraw ablation.png and ablation.svg: gnuplot ablation.gp (in this directory).
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
    set terminal pngcairo size 520,840 font "sans,10" noenhanced
} else {
    set terminal svg size 520,840 font "sans,10" noenhanced background rgb "white"
}
set output "ablation." . fmt
set grid lc rgb '#dddddd' lt 1 lw 1
set multiplot layout 3,1 title "ablation of q0: mean ± sd over seeds"
set xrange [-0.6:5.6]
set key outside right top vertical
set bmargin 6
set xtics rotate by -30 nomirror ('affine-gaussian' 0, 'affine-laplace' 1, 'affine-t-nu3' 2, 'affine-t-nu5' 3, 'affine-t-nu10' 4, 'affine-uniform' 5)
set title 'NLL (lower is better)'
plot 'ablation.dat' index 0 using 1:3:4 with yerrorbars lt 3 pt 7 ps 1.2 title 'no fisher pair'
set title 'ECE (lower is better)'
plot 'ablation.dat' index 0 using 1:5:6 with yerrorbars lt 3 pt 7 ps 1.2 title 'no fisher pair'
set title 'OOD AUROC (higher is better)'
plot 'ablation.dat' index 0 using 1:7:8 with yerrorbars lt 3 pt 7 ps 1.2 title 'no fisher pair'
unset multiplot
set output
}
