#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# scripts/image-tidy.sh ROOT DEB: mmdebstrap customize hook of
# scripts/image.sh.  file-mirror-automount bind-mounts DEB at its own path
# inside ROOT and, once done, unmounts it but leaves the empty file it was
# mounted on and the directories it made for it (/work/..., /home/...).
# Removes that file, then each directory up from it that is empty and
# belongs to no package (so /tmp or /home stay).  A file that is not
# empty, still mounted, is left alone.
set -eu
root=$1 deb=$2
[ -e "$root$deb" ] || exit 0
[ ! -s "$root$deb" ] || exit 0
rm -f "$root$deb"
d=$(dirname "$deb")
while [ "$d" != / ] && ! chroot "$root" dpkg-query -S "$d" >/dev/null 2>&1 &&
	rmdir "$root$d" 2>/dev/null; do
	d=$(dirname "$d")
done
