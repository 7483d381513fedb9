#!/usr/bin/env bash
# Downloads a public interaction dataset into datasets/NAME, checks it and
# unpacks it. Only ml-latest-small is bundled with the repository (its licence
# allows it); the datasets below have licences that forbid redistribution, so
# each user fetches them from the official source.
#
#   datasets/download.sh NAME        NAME: ml-1m | ml-20m | lastfm-360k | msd-taste
#
# Integrity: no SHA-256 is published for these files. Where an MD5 is
# published (GroupLens .md5 files for MovieLens; the MD5 of the unpacked TSV
# in the Last.fm 360K README) it is checked and a mismatch stops the script.
# The SHA-256 of every download is printed and marked UNVERIFIED; set
# EXPECTED_SHA256=<hex> to pin it (a mismatch then stops the script).
set -euo pipefail

usage() {
  sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

[ $# -eq 1 ] || usage
NAME=$1
HERE=$(cd "$(dirname "$0")" && pwd)

# name -> url, archive, MD5 of the archive (empty if none is published),
# file to MD5-check after unpacking and its MD5 (empty if none).
case "$NAME" in
  ml-1m)
    URL=https://files.grouplens.org/datasets/movielens/ml-1m.zip
    ARCHIVE_MD5=c4d9eecfca2ab87c1945afe126590906
    INNER=""; INNER_MD5="" ;;
  ml-20m)
    URL=https://files.grouplens.org/datasets/movielens/ml-20m.zip
    ARCHIVE_MD5=cd245b17a1ae2cc31bb14903e1204af3
    INNER=""; INNER_MD5="" ;;
  lastfm-360k)
    URL=http://mtg.upf.edu/static/datasets/last.fm/lastfm-dataset-360K.tar.gz
    ARCHIVE_MD5=""
    INNER=lastfm-dataset-360K/usersha1-artmbid-artname-plays.tsv
    INNER_MD5=be672526eb7c69495c27ad27803148f1 ;;
  msd-taste)
    # Echo Nest Taste Profile Subset (user, song, play count), part of the
    # Million Song Dataset: http://millionsongdataset.com/tasteprofile/
    URL=http://millionsongdataset.com/sites/default/files/challenge/train_triplets.txt.zip
    ARCHIVE_MD5=""
    INNER=""; INNER_MD5="" ;;
  -h|--help) usage ;;
  *) echo "unknown dataset '$NAME'" >&2; usage ;;
esac

for tool in curl sha256sum md5sum; do
  command -v "$tool" >/dev/null || { echo "error: $tool is required" >&2; exit 1; }
done

DEST="$HERE/$NAME"
ARCHIVE="$HERE/$(basename "$URL")"
mkdir -p "$DEST"

if [ ! -s "$ARCHIVE" ]; then
  echo "downloading $URL" >&2
  curl -fL --retry 3 -o "$ARCHIVE.part" "$URL"
  mv "$ARCHIVE.part" "$ARCHIVE"
fi

SHA=$(sha256sum "$ARCHIVE" | cut -d' ' -f1)
if [ -n "${EXPECTED_SHA256:-}" ]; then
  if [ "$SHA" != "$EXPECTED_SHA256" ]; then
    echo "error: SHA-256 of $ARCHIVE is $SHA, expected $EXPECTED_SHA256" >&2
    exit 1
  fi
  echo "SHA-256 $SHA matches EXPECTED_SHA256" >&2
else
  echo "SHA-256 $SHA  $(basename "$ARCHIVE")  (UNVERIFIED: no published SHA-256; pin it with EXPECTED_SHA256)" >&2
fi

if [ -n "$ARCHIVE_MD5" ]; then
  MD5=$(md5sum "$ARCHIVE" | cut -d' ' -f1)
  if [ "$MD5" != "$ARCHIVE_MD5" ]; then
    echo "error: MD5 of $ARCHIVE is $MD5, the published one is $ARCHIVE_MD5 (delete it and retry)" >&2
    exit 1
  fi
  echo "MD5 $MD5 matches the published checksum" >&2
fi

echo "unpacking into $DEST" >&2
case "$ARCHIVE" in
  *.zip) unzip -q -o "$ARCHIVE" -d "$DEST" ;;
  *.tar.gz) tar -xzf "$ARCHIVE" -C "$DEST" ;;
esac

if [ -n "$INNER" ]; then
  MD5=$(md5sum "$DEST/$INNER" | cut -d' ' -f1)
  if [ "$MD5" != "$INNER_MD5" ]; then
    echo "error: MD5 of $INNER is $MD5, the dataset README gives $INNER_MD5" >&2
    exit 1
  fi
  echo "MD5 of $INNER matches the dataset README" >&2
fi
echo "done: $DEST" >&2
