# lieblr — `make` builds build/blr; `make run` / `make test` also install missing Debian
# packages and fetch data first (scripts/setup.sh, scripts/fetch-data.sh).
#   make SAN=1 test   ASan + UBSan build under build/san
#   make CI=true ...  warnings are errors (what .ci/run does)

CC      ?= cc
PREFIX  ?= /usr/local
SAN     ?= 0
PKGS    := gsl yaml-0.1 zlib openblas

ifeq ($(SAN),1)
BUILD   := build/san
SANFLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
OPT     := -O1 -g
else
BUILD   := build
SANFLAGS :=
OPT     := -O2 -g
endif

# OpenBLAS's OpenMP build (libopenblas-openmp-dev), found through its own pkg-config
# directory and pinned by rpath (the system's libopenblas.so.0 is whichever variant the
# alternatives system prefers): its GEMMs and our parallel passes then share one OpenMP
# thread pool, where the pthread build's pool and OpenMP's would spin against each other.
MULTIARCH  := $(shell $(CC) -print-multiarch 2>/dev/null)
PKG_CONFIG := PKG_CONFIG_PATH=/usr/lib/$(MULTIARCH)/openblas-openmp/pkgconfig pkg-config
PKG_CFLAGS := $(shell $(PKG_CONFIG) --cflags $(PKGS) 2>/dev/null)
# GSL's own CBLAS is left out: OpenBLAS provides the cblas_* symbols GSL calls.
PKG_LIBS   := $(shell $(PKG_CONFIG) --libs openblas yaml-0.1 zlib 2>/dev/null) -lgsl -lm -lpthread \
              -Wl,-rpath,$(shell $(PKG_CONFIG) --variable=libdir openblas 2>/dev/null)

CFLAGS  ?= $(OPT)
# -fno-math-errno: no libm call here reads errno, and it lets sqrtf vectorize.
# -fopenmp: the elementwise passes (random fills, updates) split their blocks over threads.
CFLAGS  += -std=c11 -fopenmp -fno-math-errno -D_POSIX_C_SOURCE=200809L -Wall -Wextra -Wpedantic -Ilib -Ibaselines $(PKG_CFLAGS) $(SANFLAGS)
ifeq ($(CI),true)
CFLAGS  += -Werror
endif
LDFLAGS += -fopenmp $(SANFLAGS)

LIB_SRC  := $(wildcard lib/*.c) $(wildcard baselines/*.c)
LIB_SRC  := $(filter-out baselines/TEMPLATE.c,$(LIB_SRC))
LIB_OBJ  := $(patsubst %.c,$(BUILD)/%.o,$(LIB_SRC))
CLI_SRC  := $(wildcard cli/*.c)
CLI_OBJ  := $(patsubst %.c,$(BUILD)/%.o,$(CLI_SRC))
TEST_SRC := $(wildcard tests/test_*.c)
TEST_OBJ := $(patsubst %.c,$(BUILD)/%.o,$(TEST_SRC))
LIBBLR   := $(BUILD)/libblr.a
BLR      := $(BUILD)/blr
# The objects a test binary links; a developer may narrow it while other modules are in flux.
TEST_LINK ?= $(LIBBLR)
# Tests count the heap allocations of library code (tests/alloc_count.c).
TEST_LDFLAGS := -Wl,--wrap=malloc -Wl,--wrap=calloc -Wl,--wrap=realloc
ALLOC_COUNT := $(BUILD)/tests/alloc_count.o
# The end-to-end tests' harness (running blr, comparing results directories).
CLI_HARNESS := $(BUILD)/tests/cli_harness.o

.PHONY: all run test bench paper paper-authors sweeps tune install clean setup data FORCE
all: $(BLR)

$(BUILD)/%.o: %.c $(wildcard lib/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -MMD -c $< -o $@

# The commit (with -dirty for uncommitted changes) and flags go into manifest.json.
GIT_COMMIT := $(shell git describe --always --dirty --abbrev=12 2>/dev/null || echo unknown)
$(BUILD)/cli/version.o: cli/version.c FORCE
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -DBLR_GIT_COMMIT='"$(GIT_COMMIT)"' -DBLR_CFLAGS='"$(CFLAGS)"' -c $< -o $@
FORCE:

$(LIBBLR): $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

# The MPI engine of `blr run --mpi` (cli/mpi_engine.c) is built when OpenMPI's mpicc is there
# (scripts/setup.sh installs it); without it, --mpi says so.
MPICC := $(shell command -v mpicc 2>/dev/null)
ifneq ($(MPICC),)
MPI_CFLAGS := -DBLR_HAVE_MPI $(patsubst -I%,-isystem %,$(shell mpicc --showme:compile))
MPI_LIBS   := $(shell mpicc --showme:link)
endif
$(BUILD)/cli/mpi_engine.o: cli/mpi_engine.c cli/mpi_engine.h $(wildcard lib/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(MPI_CFLAGS) -MMD -c $< -o $@

# Where an installed blr finds its gnuplot programs (lib/plot_gnuplot.c says where else).
$(BUILD)/lib/plot_gnuplot.o: CFLAGS += -DBLR_PLOTS_INSTALL_DIR='"$(PREFIX)/share/lieblr/plots"'

$(BLR): $(CLI_OBJ) $(LIBBLR)
	$(CC) $(LDFLAGS) -o $@ $(CLI_OBJ) $(LIBBLR) $(PKG_LIBS) $(MPI_LIBS)

# One Criterion binary holds every test file, so a run ends in one synthesis line.
$(BUILD)/tests/blr_tests: $(TEST_OBJ) $(ALLOC_COUNT) $(CLI_HARNESS) $(LIBBLR)
	$(CC) $(LDFLAGS) $(TEST_LDFLAGS) -o $@ $(TEST_OBJ) $(ALLOC_COUNT) $(CLI_HARNESS) $(TEST_LINK) $(PKG_LIBS) -lcriterion

# A single test file on its own: make build/tests/test_base
$(BUILD)/tests/test_%: $(BUILD)/tests/test_%.o $(ALLOC_COUNT) $(CLI_HARNESS) $(TEST_LINK)
	$(CC) $(LDFLAGS) $(TEST_LDFLAGS) -o $@ $< $(ALLOC_COUNT) $(CLI_HARNESS) $(TEST_LINK) $(PKG_LIBS) -lcriterion

setup:
	@bash scripts/setup.sh

data: setup
	@bash scripts/fetch-data.sh

run: data
	@$(MAKE) --no-print-directory all
	$(BLR) run experiments/quick.yaml

# TEMPLATE.c is compiled (not linked) so the starting point for new methods keeps building.
test: data
	@$(MAKE) --no-print-directory $(BLR) $(BUILD)/tests/blr_tests $(BUILD)/baselines/TEMPLATE.o
	BLR_BIN=$(BLR) $(BUILD)/tests/blr_tests -j2

# The reference timings (results/bench/): every method x batch x MC samples, sampling rates,
# the sgemm bound, and a figure. The README's performance section quotes them.
bench: all
	$(BLR) bench --suite results/bench

# The paper suite (results/README.md): the committed results/<name>/ directories, and
# results/paper-times.csv with the wall time of each experiment. Two suites: PAPER at the
# settings tuned here, PAPER_AUTHORS at the paper's authors' settings with the two sweeps that
# explain the differences (`make paper-authors` runs only those). RESUME=1 continues an
# interrupted suite (scripts/suite.sh).
PAPER := table1-mlp filters ablation-q0 table1-cnn table2-cnn
# The tunings first: sweep-mc-authors.yaml and table2-cnn-authors.yaml use what they chose
# (tune-table2-authors-wider is tune-table2-authors' second round).
PAPER_AUTHORS := tune-mc1-authors tune-table2-authors tune-table2-authors-wider \
                 table1-mlp-authors ablation-q0-authors sweep-lr2-authors table1-cnn-authors \
                 table2-cnn-authors sweep-mc-authors temperature-authors
RESUME ?= 0
paper: data
	@$(MAKE) --no-print-directory all
	RESUME=$(RESUME) bash scripts/suite.sh $(BLR) paper $(PAPER)
	@$(MAKE) --no-print-directory paper-authors

paper-authors: data
	@$(MAKE) --no-print-directory all
	RESUME=$(RESUME) bash scripts/suite.sh $(BLR) paper $(PAPER_AUTHORS)
	@$(MAKE) --no-print-directory sweeps

# The sweeps' figures (plots/sweep.gp) and the tunings' choices.
sweeps:
	for t in tune-mc1-authors tune-table2-authors; do awk -F, -f scripts/tune-choice.awk \
	    results/$$t/summary.csv > results/$$t/choice.md || exit 1; done
	awk -F, -f scripts/tune-choice.awk results/tune-table2-authors/summary.csv \
	    results/tune-table2-authors-wider/summary.csv > results/tune-table2-authors-wider/choice.md
	gnuplot -c plots/sweep.gp results/sweep-mc-authors mc_train lr "" \
	    "acc nll ece bayes_nll bayes_ece invalid_updates" log2
	gnuplot -c plots/sweep.gp results/sweep-lr2-authors lr2 rule "" \
	    "posterior_sd_median nll ece bayes_nll bayes_ece ood_auroc" log10

# Step-size tuning on validation splits (DESIGN §7); results/tune-*/choice.md says what won
# (tune-cnn-wider is tune-cnn's second round: its choice is over both).
TUNE := tune-mlp tune-ablation tune-cnn tune-cnn-wider
tune: data
	@$(MAKE) --no-print-directory all
	RESUME=$(RESUME) bash scripts/suite.sh $(BLR) tune $(TUNE)
	for t in tune-mlp tune-ablation tune-cnn; do awk -F, -f scripts/tune-choice.awk \
	    results/$$t/summary.csv > results/$$t/choice.md || exit 1; done
	awk -F, -f scripts/tune-choice.awk results/tune-cnn/summary.csv \
	    results/tune-cnn-wider/summary.csv > results/tune-cnn-wider/choice.md

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/lib $(DESTDIR)$(PREFIX)/include/blr \
	    $(DESTDIR)$(PREFIX)/share/lieblr/plots
	install -m 755 $(BLR) $(DESTDIR)$(PREFIX)/bin/blr
	install -m 644 $(LIBBLR) $(DESTDIR)$(PREFIX)/lib/libblr.a
	install -m 644 lib/*.h $(DESTDIR)$(PREFIX)/include/blr/
	install -m 644 plots/*.gp $(DESTDIR)$(PREFIX)/share/lieblr/plots/

clean:
	rm -rf build

-include $(shell find build -name '*.d' 2>/dev/null)
