# qtrace — function, syscall and instruction tracing for QEMU guests (TCG plugins, QEMU 10.0)
#
#   make            build build/libqtrace.so and build/qtrace; needs `make setup` first (without
#                   QEMU's plugin header it stops with one line saying so, and installs nothing)
#   make setup      install everything, once (idempotent): the Debian packages, QEMU 10.0's plugin
#                   header, a plugin-enabled qemu-x86_64/qemu-aarch64 (scripts/setup.sh all) and
#                   the bundled guest (scripts/build-guest.sh)
#   make demo       install what the demo needs (packages, header, guest), build, boot the guest,
#                   trace its demo program (scripts/demo.sh)
#   make check      make setup, build, then every test: unit (plain + ASan/UBSan) and end to end
#   make bench      make setup, build, then the benchmarks (bench/run.sh; docs/performance.md)
#   make unit, make unit-san   build the unit tests (plain, ASan/UBSan) into build/tests*/
#   make unit-tsan  build the multi-threaded plugin harness under ThreadSanitizer (build/tests-tsan/)
#   make setup-qemu-user, make guest   one part of make setup
#   make guest-debian   the Debian guest (debootstrap, an ext4 disk image; not part of make setup)
#   make clean      remove build/;  make distclean  also remove .cache/
#
# demo, check and bench need nothing installed by hand: they run the set-up steps they need.
# Everything downloaded or built from outside lives in .cache/ (ignored).

CACHE    ?= $(CURDIR)/.cache
BUILD    ?= build
# one spelling for one directory: dependency files name their targets as $(BUILD) is spelled
override BUILD := $(patsubst $(CURDIR)/%,%,$(abspath $(BUILD)))
CC       ?= gcc
CFLAGS   ?= -O2 -g
WARN     := -std=c11 -Wall -Wextra -Werror -D_GNU_SOURCE
GLIB_CFLAGS = $(shell pkg-config --cflags glib-2.0 2>/dev/null)
ELF_LIBS := -ldw -lelf -lz -llzma -lzstd -lbpf
# --sysroot as an ext2/3/4 image (common/rootfs.c)
ELF_LIBS += -lext2fs -lcom_err

COMMON_SRC := $(sort $(wildcard common/*.c))
PLUGIN_SRC := $(sort $(wildcard plugin/*.c))
LEGACY_SRC := $(sort $(wildcard legacy/*.c))
LEGACY_HDR := $(wildcard include/*.h)
CLI_SRC    := $(sort $(filter-out cli/main.c,$(wildcard cli/*.c)))
UNIT_SRC   := $(sort $(wildcard tests/unit/test_*.c))

COMMON_PIC := $(patsubst %.c,$(BUILD)/pic/%.o,$(COMMON_SRC))
PLUGIN_OBJ := $(patsubst %.c,$(BUILD)/pic/%.o,$(PLUGIN_SRC))
LEGACY_OBJ := $(patsubst %.c,$(BUILD)/pic/%.o,$(LEGACY_SRC))
COMMON_OBJ := $(patsubst %.c,$(BUILD)/obj/%.o,$(COMMON_SRC))
CLI_OBJ    := $(patsubst %.c,$(BUILD)/obj/%.o,$(CLI_SRC))
COMMON_SAN := $(patsubst %.c,$(BUILD)/san/%.o,$(COMMON_SRC))
CLI_SAN    := $(patsubst %.c,$(BUILD)/san/%.o,$(CLI_SRC))
UNIT_BIN   := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRC))
UNIT_SAN   := $(patsubst tests/unit/%.c,$(BUILD)/tests-san/%,$(UNIT_SRC))
SAN_FLAGS  := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all

HEADER   := $(CACHE)/include/qemu-plugin.h

# make V=1 shows the full commands
ifeq ($(V),1)
Q :=
say = @true
else
Q := @
say = @printf '  %-6s %s\n' $(1) $(2)
endif

.PHONY: all setup setup-qemu-user guest demo check unit unit-san unit-tsan bench clean distclean
all: $(BUILD)/libqtrace.so $(BUILD)/qtrace $(BUILD)/libqtrace-legacy.so $(patsubst include/%,$(BUILD)/include/%,$(LEGACY_HDR))

# the plugin's objects need QEMU's header; `make` does not install it ($(error) stops make with
# this one line when the header is needed and missing)
$(HEADER):
	$(error $(HEADER) is missing: run `make setup` first (it installs QEMU 10.0's plugin header and the build dependencies))

setup:
	@scripts/setup.sh all
	@scripts/build-guest.sh

setup-qemu-user:
	@scripts/setup.sh qemu-user

$(BUILD)/pic/plugin/%.o: plugin/%.c $(HEADER)
	@mkdir -p $(dir $@)
	$(call say,CC,$@)
	$(Q)$(CC) $(CFLAGS) $(WARN) -fPIC -fvisibility=hidden -I$(CACHE)/include -Icommon $(GLIB_CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/pic/legacy/%.o: legacy/%.c $(HEADER)
	@mkdir -p $(dir $@)
	$(call say,CC,$@)
	$(Q)$(CC) $(CFLAGS) $(WARN) -fPIC -fvisibility=hidden -I$(CACHE)/include -Iinclude $(GLIB_CFLAGS) -MMD -MP -c $< -o $@

# the legacy adapter (seed 001's plugin API on QEMU 10) and, next to it, the two headers old
# plugins build against: gcc -shared -fPIC -I build/include -o libplugin.so plugin.c
$(BUILD)/libqtrace-legacy.so: $(LEGACY_OBJ)
	$(call say,LD,$@)
	$(Q)$(CC) -shared -o $@ $^ -ldl -lpthread

$(BUILD)/include/%.h: include/%.h
	@mkdir -p $(dir $@)
	$(Q)cp $< $@

$(BUILD)/pic/common/%.o: common/%.c
	@mkdir -p $(dir $@)
	$(call say,CC,$@)
	$(Q)$(CC) $(CFLAGS) $(WARN) -fPIC -fvisibility=hidden -Icommon -MMD -MP -c $< -o $@

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(call say,CC,$@)
	$(Q)$(CC) $(CFLAGS) $(WARN) -Icommon -Icli -MMD -MP -c $< -o $@

$(BUILD)/libqtrace.so: $(PLUGIN_OBJ) $(COMMON_PIC)
	$(call say,LD,$@)
	$(Q)$(CC) -shared -o $@ $^ $(ELF_LIBS) -lpthread

$(BUILD)/qtrace: $(BUILD)/obj/cli/main.o $(CLI_OBJ) $(COMMON_OBJ)
	$(call say,LD,$@)
	$(Q)$(CC) -pthread -o $@ $^ $(ELF_LIBS) -lm

# ---- tests -------------------------------------------------------------------------------
$(BUILD)/tests/%: tests/unit/%.c $(CLI_OBJ) $(COMMON_OBJ) $(wildcard tests/unit/*.h)
	@mkdir -p $(dir $@)
	$(call say,LD,$@)
	$(Q)$(CC) $(CFLAGS) $(WARN) -Icommon -Icli -Itests/unit -pthread -o $@ $< $(CLI_OBJ) $(COMMON_OBJ) $(ELF_LIBS) -lm

$(BUILD)/san/%.o: %.c
	@mkdir -p $(dir $@)
	$(call say,CC,$@)
	$(Q)$(CC) -O1 -g $(WARN) $(SAN_FLAGS) -Icommon -Icli -MMD -MP -c $< -o $@

$(BUILD)/tests-san/%: tests/unit/%.c $(CLI_SAN) $(COMMON_SAN) $(wildcard tests/unit/*.h)
	@mkdir -p $(dir $@)
	$(call say,LD,$@)
	$(Q)$(CC) -O1 -g $(WARN) $(SAN_FLAGS) -Icommon -Icli -Itests/unit -pthread -o $@ $< $(CLI_SAN) $(COMMON_SAN) $(ELF_LIBS) -lm

unit: $(UNIT_BIN)
unit-san: $(UNIT_SAN)
# the tests that drive plugin code from several threads, under ThreadSanitizer (tests/unit/test_out.c)
TSAN_BIN := $(BUILD)/tests-tsan/test_out
$(BUILD)/tests-tsan/%: tests/unit/%.c plugin/out.c plugin/out.h $(CLI_OBJ) $(COMMON_OBJ) $(wildcard tests/unit/*.h)
	@mkdir -p $(dir $@)
	$(call say,LD,$@)
	$(Q)$(CC) -O1 -g $(WARN) -fsanitize=thread -Icommon -Icli -Itests/unit -pthread -o $@ $< $(CLI_OBJ) $(COMMON_OBJ) $(ELF_LIBS) -lm
# the plugin itself built with ThreadSanitizer, for QEMU with libtsan preloaded (tests/e2e/cases/154_tsan_plugin.sh)
$(BUILD)/tsan/libqtrace.so: $(PLUGIN_SRC) $(COMMON_SRC) $(wildcard plugin/*.h common/*.h) $(HEADER)
	@mkdir -p $(dir $@)
	$(call say,LD,$@)
	$(Q)$(CC) -O1 -g $(WARN) -fsanitize=thread -fPIC -shared -fvisibility=hidden -I$(CACHE)/include -Icommon $(GLIB_CFLAGS) \
		-o $@ $(PLUGIN_SRC) $(COMMON_SRC) $(ELF_LIBS) -lpthread
unit-tsan: $(TSAN_BIN) $(BUILD)/tsan/libqtrace.so
# objects reached only through the test pattern rules are not intermediate files to delete
.SECONDARY: $(CLI_OBJ) $(COMMON_OBJ) $(CLI_SAN) $(COMMON_SAN)

guest:
	@scripts/build-guest.sh

# the Debian guest of qtrace system --guest debian (docs/real-guests.md): built on demand, as root
.PHONY: guest-debian
guest-debian:
	@scripts/build-guest-debian.sh

# the demo runs only qemu-system-x86_64 (a Debian package): it skips the qemu-user build
demo:
	@scripts/setup.sh header
	@scripts/build-guest.sh
	@$(MAKE) --no-print-directory all
	@scripts/demo.sh

# The Debian guest the end-to-end tests boot is built (as root) while QEMU and qtrace compile:
# its debootstrap waits mostly on downloads. Its output goes to a log; the tests report a failure.
check:
	@scripts/setup.sh deps
	@if [ "$$(id -u)" = 0 ]; then mkdir -p $(BUILD) && \
	    echo "check: building the Debian guest in the background (log: $(BUILD)/guest-debian.log)" && \
	    { scripts/build-guest-debian.sh >$(BUILD)/guest-debian.log 2>&1 & }; fi; \
	$(MAKE) --no-print-directory setup && $(MAKE) --no-print-directory -j$$(nproc) all unit unit-san unit-tsan; \
	st=$$?; wait; [ $$st = 0 ] || exit $$st
	@tests/run.sh

bench: setup
	@$(MAKE) --no-print-directory all
	@bench/run.sh

clean:
	rm -rf $(BUILD)

distclean: clean
	rm -rf $(CACHE)

# ---- fuzzing (fuzz/, docs/reliability.md#fuzzing) -----------------------------------------
# make fuzz [FUZZ=NAME] [FUZZ_SECONDS=600] [FUZZ_JOBS=1]: each harness fuzz/fuzz_NAME.c built with
# clang-14 and libFuzzer (scripts/setup.sh fuzz installs them) runs FUZZ_SECONDS, under nice.
# make unit-san also builds each harness with gcc and fuzz/replay.c into
# $(BUILD)/tests-san/test_fuzz_NAME: make check replays tests/fuzz/NAME/ and fuzz/seeds/NAME/.
FUZZ_SRC   := $(sort $(wildcard fuzz/fuzz_*.c))
FUZZ_CC    ?= clang-14
FUZZ_FLAGS := -O1 -g -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
FUZZ_OBJ   := $(patsubst %.c,$(BUILD)/fuzzobj/%.o,$(COMMON_SRC) $(CLI_SRC))
FUZZ_BIN   := $(patsubst fuzz/%.c,$(BUILD)/fuzz/%,$(FUZZ_SRC))
FUZZ_REPLAY := $(patsubst fuzz/fuzz_%.c,$(BUILD)/tests-san/test_fuzz_%,$(FUZZ_SRC))
FUZZ_SECONDS ?= 600
FUZZ_JOBS ?= 1
.PHONY: fuzz fuzz-build

$(BUILD)/fuzzobj/%.o: %.c
	@mkdir -p $(dir $@)
	$(call say,CC,$@)
	$(Q)$(FUZZ_CC) $(FUZZ_FLAGS) -fsanitize=fuzzer-no-link $(WARN) -Icommon -Icli -MMD -MP -c $< -o $@

$(BUILD)/fuzz/fuzz_%: fuzz/fuzz_%.c fuzz/fuzz.h $(FUZZ_OBJ)
	@mkdir -p $(dir $@)
	$(call say,LD,$@)
	$(Q)$(FUZZ_CC) $(FUZZ_FLAGS) -fsanitize=fuzzer $(WARN) -Icommon -Icli -Ifuzz -o $@ $< $(FUZZ_OBJ) $(ELF_LIBS) -lm

$(BUILD)/tests-san/test_fuzz_%: fuzz/fuzz_%.c fuzz/replay.c fuzz/fuzz.h $(CLI_SAN) $(COMMON_SAN)
	@mkdir -p $(dir $@)
	$(call say,LD,$@)
	$(Q)$(CC) -O1 -g $(WARN) $(SAN_FLAGS) -DFUZZ_NAME='"$*"' -Icommon -Icli -Ifuzz -o $@ $< fuzz/replay.c $(CLI_SAN) $(COMMON_SAN) $(ELF_LIBS) -lm

unit-san: $(FUZZ_REPLAY)
.SECONDARY: $(FUZZ_OBJ)

# the binary seeds (fuzz/seeds.sh): traces built with the unit tests' helpers, BTF, kernel cuts
$(BUILD)/fuzz/mkseeds: fuzz/mkseeds.c $(CLI_OBJ) $(COMMON_OBJ) $(wildcard tests/unit/*.h)
	@mkdir -p $(dir $@)
	$(call say,LD,$@)
	$(Q)$(CC) $(CFLAGS) $(WARN) -Icommon -Icli -Itests/unit -pthread -o $@ $< $(CLI_OBJ) $(COMMON_OBJ) $(ELF_LIBS) -lm

fuzz-build: $(FUZZ_BIN) $(BUILD)/fuzz/mkseeds

fuzz:
	@scripts/setup.sh fuzz
	@$(MAKE) --no-print-directory fuzz-build
	@FUZZ_SECONDS=$(FUZZ_SECONDS) FUZZ_JOBS=$(FUZZ_JOBS) fuzz/run.sh $(FUZZ)

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
