# Exit-entry self-service kiosk.
#
#   make run    build and start the kiosk in demo mode (simulated devices) with the
#               development central service
#   make run-station  the same for the police-station endorsement kiosk
#   make test   set up and run every test
#   make lint   rustfmt and clippy, as CI runs them
#   make deb    the appliance's Debian package (full-screen build), in $CARGO_TARGET_DIR/debian
#   make appliance-test  that package on a virtual machine of its own, driven by touch
#
# Both install what a fresh Debian 12 / Ubuntu machine is missing (apt packages; the Rust
# crates come through cargo). Set CARGO_TARGET_DIR to build outside the checkout.

SHELL := /bin/bash
CARGO ?= cargo
export CARGO_TARGET_DIR ?= $(CURDIR)/target
CENTRAL_ADDR ?= 127.0.0.1:8787
# Extra flags for the development central, e.g. CENTRAL_FLAGS="--station-fault decline".
CENTRAL_FLAGS ?=

# Build: a C compiler and fontconfig headers (Slint links fontconfig), Debian's OpenSSL that
# SQLCipher (the encrypted store) encrypts with, libclang for the V4L2 bindings of the camera
# support, pcsc-lite for the card readers, librime for the pinyin input method and eSpeak NG for
# voice guidance.
BUILD_PACKAGES := build-essential pkg-config libssl-dev libfontconfig-dev fonts-dejavu-core \
	libclang-dev libpcsclite-dev librime-dev libespeak-ng-dev
# Read at run time: the pinyin schema and dictionaries librime converts with, eSpeak NG's voices,
# and ALSA's player for the prompts.
READ_AT_RUN_PACKAGES := rime-data-luna-pinyin espeak-ng-data alsa-utils
# The appliance build's full-screen backend (Slint's DRM/KMS: libseat for the seat, libinput
# and xkbcommon for touch and keys, libudev to find them).
APPLIANCE_BUILD_PACKAGES := libseat-dev libinput-dev libxkbcommon-dev libudev-dev
# Tests: the PC/SC daemon and the vsmartcard virtual reader driver the virtual cards plug into
# (never on a kiosk image: vpcd accepts cards from anyone on the network); the update engine
# RAUC, a D-Bus daemon for it and squashfs-tools for its bundles; the kiosk compositor cage and
# grim for the screenshot under it; node checks the polkit rule's JavaScript; seatd, which the
# package depends on (make test installs the package here); openssl makes a certificate the
# kiosk must refuse.
TEST_PACKAGES := pcscd vsmartcard-vpcd systemd $(READ_AT_RUN_PACKAGES) rauc dbus-daemon \
	squashfs-tools cage grim nodejs seatd openssl
# A window on the desktop (winit loads these at run time).
RUN_PACKAGES := $(READ_AT_RUN_PACKAGES) libx11-6 libx11-xcb1 libxcursor1 libxrandr2 libxi6 libxcb1 libxcb-shm0 \
	libxkbcommon0 libxkbcommon-x11-0 libwayland-client0 libwayland-cursor0

.PHONY: run run-station test lint fuzz deb appliance-test deps-build deps-test deps-run build-release central clean

define apt_install
	@missing=$$(for p in $(1); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q "install ok installed" || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		echo "Installing: $$missing"; \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing; \
	fi
endef

deps-build:
	@command -v $(CARGO) >/dev/null || { echo "Rust is missing: install it with rustup (https://rustup.rs), then run make again."; exit 1; }
	$(call apt_install,$(BUILD_PACKAGES))

deps-run: deps-build
	$(call apt_install,$(RUN_PACKAGES))

# With the development central and its PKI tool (and kiosk-vcard): cargo feature `dev`. The
# appliance is built without it (README).
build-release: deps-run
	$(CARGO) build --release --bins --features dev

# The development PKI (CA, the central's server certificate, the demo kiosk's device
# certificate), made once; delete var/pki to make a new one.
var/pki/ca.pem: | build-release
	$(CARGO_TARGET_DIR)/release/kiosk-central-dev pki --out var/pki --device DEMO01

# Demo mode: the development central in the background (mutual TLS), the kiosk in a window.
# `make run` is the hall self-fill kiosk, `make run-station` the police-station endorsement
# kiosk (sample ID cards and sample permits on screen, simulated terminal and writer).
run: DEMO_CONFIG = kiosk.toml
run: DEMO_DATA = var
run-station: DEMO_CONFIG = kiosk-station.toml
run-station: DEMO_DATA = var/station
run run-station: build-release var/pki/ca.pem
	@if [ -z "$$DISPLAY" ] && [ -z "$$WAYLAND_DISPLAY" ]; then \
		echo "No display: run 'make run' in a desktop session (X11 or Wayland)."; exit 1; fi
	@mkdir -p var/central-config
	@$(CARGO_TARGET_DIR)/release/kiosk-central-dev --listen $(CENTRAL_ADDR) --tls var/pki \
		--data var/central --config-dir var/central-config $(CENTRAL_FLAGS) \
		> var/central.log 2>&1 & echo $$! > var/central.pid
	@echo "Development central: https://$(CENTRAL_ADDR), mutual TLS with var/pki (log: var/central.log)"
	@echo "Change the kiosk's settings live: write var/central-config/DEMO01.json (README)"
	@echo "Receipts (ESC/POS bytes and PNG previews): $(DEMO_DATA)/receipts/"
	-$(CARGO_TARGET_DIR)/release/kiosk --config $(DEMO_CONFIG) run
	@kill $$(cat var/central.pid) 2>/dev/null; rm -f var/central.pid

deps-test: deps-build
	$(call apt_install,$(TEST_PACKAGES))

# The integration tests keep every log of the run in var/test-logs (the test binary's own,
# the kiosk processes', the development centrals'); afterwards one more test searches them for
# the test applicants' names, ID numbers, addresses and phone numbers.
TEST_LOGS := $(CURDIR)/var/test-logs
# With the desktop backend: the tests run the kiosk under the compositor cage.
TEST_FLAGS := --no-default-features --features camera-v4l,dev,desktop
test: deps-test
	rm -rf $(TEST_LOGS)
	KIOSK_TEST_LOG_DIR=$(TEST_LOGS) tools/with-pcscd.sh $(CARGO) test $(TEST_FLAGS) --lib --bins --test it
	KIOSK_TEST_LOG_DIR=$(TEST_LOGS) $(CARGO) test $(TEST_FLAGS) --test it -- --ignored --exact \
		pii_scan::the_logs_of_the_whole_test_run_name_no_applicant
	$$( [ "$$(id -u)" = 0 ] || echo sudo ) tests/package/check-deb $(CARGO_TARGET_DIR)/debug/kiosk

# The appliance: full screen on DRM/KMS, no development code; the package installs it with its
# unit, user, device rules and example configuration (README "Installing").
DEB_FLAGS := --no-default-features --features kiosk,camera-v4l
deb: deps-build
	$(call apt_install,$(APPLIANCE_BUILD_PACKAGES))
	$(CARGO) build --release $(DEB_FLAGS) --bin kiosk
	deploy/package/build-deb $(CARGO_TARGET_DIR)/release/kiosk $(CARGO_TARGET_DIR)/debian

# The appliance package on a Debian 12 machine of its own under QEMU: boots, the kiosk draws on
# DRM/KMS as its unprivileged user, and serves applicants by touch; and the A/B disk of
# deploy/rauc boots through UEFI and GRUB, RAUC choosing the slot (tests/it/appliance.rs;
# README "Installing"). Needs root (debootstrap, chroot) and the Debian archive; the
# Debian base system is kept in /var/tmp/kiosk-vm. APPLIANCE_APPLICANTS=3 for the memory figures.
APPLIANCE_TEST_PACKAGES := qemu-system-x86 ovmf debootstrap e2fsprogs openssl python3 \
	grub-efi-amd64-bin grub2-common fdisk dosfstools mtools
APPLIANCE_APPLICANTS ?= 1
appliance-test: deb deps-test
	$(call apt_install,$(APPLIANCE_TEST_PACKAGES))
	KIOSK_APPLIANCE_DEB=$$(ls -t $(CARGO_TARGET_DIR)/debian/kiosk_*.deb | head -n 1) \
	KIOSK_APPLIANCE_APPLICANTS=$(APPLIANCE_APPLICANTS) \
		$(CARGO) test $(TEST_FLAGS) --test it -- --ignored --nocapture --test-threads 1 \
		appliance::

# The second clippy checks that the product builds, warning-free, without the development code.
lint: deps-build
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --no-default-features --features camera-v4l,dev --all-targets -- -D warnings
	$(CARGO) clippy --no-default-features --features camera-v4l --all-targets -- -D warnings

# Fuzz the parsers that take bytes from cards and readers (needs the nightly toolchain and
# cargo-fuzz: rustup toolchain install nightly; cargo install cargo-fuzz).
FUZZ_SECONDS ?= 120
fuzz:
	for t in text_block sam_frame mrz tlv_lds picture; do \
		cargo +nightly fuzz run -s none $$t -- -max_total_time=$(FUZZ_SECONDS) || exit 1; done

clean:
	$(CARGO) clean
	rm -rf var
