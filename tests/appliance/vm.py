#!/usr/bin/env python3
"""The appliance test machine (tests/appliance): boots the image build-image made under QEMU,
with a virtio GPU (Linux's DRM/KMS driver virtio_gpu, one 1080x1920 portrait mode) and a virtio
tablet (an absolute pointer, as libinput reports a touch screen's single touch), and drives it
through QEMU's machine protocol (QMP): screen dumps and taps.

    vm.py start DIR        boot DIR/root.img in the background; DIR/console.log is the
                           first serial port (kernel and journal), DIR/memory.log the second;
                           with --ab, DIR/disk.img through UEFI firmware and GRUB
    vm.py wait DIR TEXT    until TEXT appears on the console (timeout: --timeout seconds);
                           "Started kiosk.service" is the kiosk's READY
    vm.py shot DIR FILE    the screen as a PNG file
    vm.py tap DIR X Y      a tap at pixel X, Y of the screen
    vm.py stop DIR         power off

Standard library only: it runs before anything is installed in a virtual environment.
"""
import argparse
import json
import os
import socket
import subprocess
import sys
import time

WIDTH, HEIGHT = 1080, 1920
# QMP's absolute axes run from 0 to 0x7fff across the screen.
AXIS_MAX = 0x7FFF


class Qmp:
    """One QMP connection: commands in, their answers out; events are skipped."""

    def __init__(self, path):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.connect(path)
        self.file = self.sock.makefile("rw")
        json.loads(self.file.readline())  # the greeting
        self.execute("qmp_capabilities")

    def execute(self, command, **arguments):
        message = {"execute": command}
        if arguments:
            message["arguments"] = arguments
        self.file.write(json.dumps(message) + "\n")
        self.file.flush()
        while True:
            answer = json.loads(self.file.readline())
            if "return" in answer:
                return answer["return"]
            if "error" in answer:
                raise RuntimeError(f"QMP {command}: {answer['error']['desc']}")

    def close(self):
        self.sock.close()


def qmp(vm_dir):
    return Qmp(os.path.join(vm_dir, "qmp.sock"))


def start(vm_dir, memory_mb=1024, ab=False):
    # Software emulation unless KIOSK_VM_ACCEL=kvm: the development machine this was written
    # on has a /dev/kvm whose guests never start their kernel (nested virtualisation).
    accel = os.environ.get("KIOSK_VM_ACCEL", "tcg")
    command = [
        "qemu-system-x86_64",
        "-accel", accel,
        *(["-cpu", "host"] if accel == "kvm" else []),
        "-m", str(memory_mb), "-smp", "2",
        *(
            # The A/B disk boots as a kiosk would: UEFI firmware (OVMF), then GRUB from the
            # EFI system partition, which picks the slot.
            ["-bios", "/usr/share/ovmf/OVMF.fd",
             "-drive", f"file={os.path.join(vm_dir, 'disk.img')},format=raw,if=virtio"]
            if ab else
            ["-kernel", os.path.join(vm_dir, "vmlinuz"),
             "-initrd", os.path.join(vm_dir, "initrd.img"),
             "-append", "root=/dev/vda rw console=ttyS0 quiet systemd.show_status=1 "
                        "systemd.journald.forward_to_console=1",
             "-drive", f"file={os.path.join(vm_dir, 'root.img')},format=raw,if=virtio"]
        ),
        # The virtio GPU alone (no emulated VGA card beside it, which would be the first).
        "-vga", "none",
        "-device", f"virtio-gpu-pci,xres={WIDTH},yres={HEIGHT}",
        "-device", "virtio-tablet-pci",
        "-device", "virtio-keyboard-pci",
        "-nic", "none",
        "-display", "none",
        "-serial", f"file:{os.path.join(vm_dir, 'console.log')}",
        "-serial", f"file:{os.path.join(vm_dir, 'memory.log')}",
        "-qmp", f"unix:{os.path.join(vm_dir, 'qmp.sock')},server=on,wait=off",
        "-pidfile", os.path.join(vm_dir, "qemu.pid"),
        "-daemonize",
    ]
    subprocess.run(command, check=True)
    return accel


def wait_for(vm_dir, text, timeout):
    deadline = time.monotonic() + timeout
    path = os.path.join(vm_dir, "console.log")
    while time.monotonic() < deadline:
        with open(path, errors="replace") as f:
            if text in f.read():
                return True
        time.sleep(0.2)
    return False


def shot(vm_dir, path):
    q = qmp(vm_dir)
    try:
        q.execute("screendump", filename=os.path.abspath(path), format="png")
    finally:
        q.close()


def tap(vm_dir, x, y):
    def axis(name, value, size):
        return {"type": "abs", "data": {"axis": name, "value": value * AXIS_MAX // (size - 1)}}

    q = qmp(vm_dir)
    try:
        # The kernel drops an absolute position equal to the last one, so a second tap at the
        # same point would carry no motion; and libinput has been seen to drop the first
        # absolute motion of a device. A step beside the point, then the point, makes sure
        # the press comes right after a motion to where it is meant.
        q.execute("input-send-event", events=[axis("x", x, WIDTH), axis("y", max(y - 2, 0), HEIGHT)])
        time.sleep(0.05)
        q.execute("input-send-event", events=[axis("x", x, WIDTH), axis("y", y, HEIGHT)])
        q.execute("input-send-event", events=[{"type": "btn", "data": {"down": True, "button": "left"}}])
        time.sleep(0.08)
        q.execute("input-send-event", events=[{"type": "btn", "data": {"down": False, "button": "left"}}])
    finally:
        q.close()


def stop(vm_dir):
    try:
        q = qmp(vm_dir)
        q.execute("quit")
        q.close()
    except (OSError, RuntimeError):
        pass


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("command", choices=["start", "wait", "shot", "tap", "stop"])
    p.add_argument("dir")
    p.add_argument("args", nargs="*")
    p.add_argument("--timeout", type=float, default=120)
    p.add_argument("--ab", action="store_true", help="start: boot DIR/disk.img through GRUB")
    a = p.parse_args()
    if a.command == "start":
        print(start(a.dir, ab=a.ab))
    elif a.command == "wait":
        sys.exit(0 if wait_for(a.dir, a.args[0], a.timeout) else 1)
    elif a.command == "shot":
        shot(a.dir, a.args[0])
    elif a.command == "tap":
        tap(a.dir, int(a.args[0]), int(a.args[1]))
    elif a.command == "stop":
        stop(a.dir)


if __name__ == "__main__":
    main()
