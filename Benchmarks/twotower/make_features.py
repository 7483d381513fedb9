#!/usr/bin/env python3
"""Convert MovieLens metadata into Gramian feature files.

Feature file format (read by `gramian fit two-tower --user-features/--item-features`):
one entity a line, `id<TAB>field=value|value<TAB>field=value ...`; numeric
attributes become categories (age and year buckets). Standard library only.

  make_features.py ml100k-items  ml-100k/u.item        items.tsv   # genre, decade
  make_features.py ml100k-users  ml-100k/u.user        users.tsv   # age bucket, gender, occupation, zip region
  make_features.py movies-csv    ml-latest-small/movies.csv items.tsv  # genre, decade
"""
import csv, os, re, sys

ML100K_GENRES = ["unknown", "Action", "Adventure", "Animation", "Children's", "Comedy", "Crime",
                 "Documentary", "Drama", "Fantasy", "Film-Noir", "Horror", "Musical", "Mystery",
                 "Romance", "Sci-Fi", "Thriller", "War", "Western"]


def clean(v):
    """Values may not contain TAB, '|' or newlines; '=' is fine after the first."""
    return re.sub(r"[\t|\r\n]", "_", v.strip())


def line(entity, fields):
    parts = [f"{k}={'|'.join(clean(x) for x in vs)}" for k, vs in fields if vs]
    return "\t".join([clean(entity)] + parts) + "\n"


def decade(title):
    m = re.search(r"\((\d{4})\)\s*$", title.strip())
    return [f"{m.group(1)[:3]}0s"] if m else []


def ml100k_items(src, out):
    genres_file = os.path.join(os.path.dirname(src), "u.genre")
    names = ML100K_GENRES
    if os.path.exists(genres_file):
        with open(genres_file, encoding="latin-1") as f:
            names = [l.split("|")[0] for l in f if l.strip()]
    with open(src, encoding="latin-1") as f, open(out, "w", encoding="utf-8") as o:
        for row in f:
            c = row.rstrip("\n").split("|")
            if len(c) < 5 + len(names):
                continue
            flags = c[5:5 + len(names)]
            g = [n for n, x in zip(names, flags) if x == "1"]
            year = c[2][-4:] if c[2] else ""
            o.write(line(c[0], [("genre", g), ("decade", [year[:3] + "0s"] if year.isdigit() else [])]))


def ml100k_users(src, out):
    with open(src, encoding="latin-1") as f, open(out, "w", encoding="utf-8") as o:
        for row in f:
            c = row.rstrip("\n").split("|")
            if len(c) < 5:
                continue
            age = int(c[1])
            bucket = "<18" if age < 18 else "65+" if age >= 65 else f"{(age // 10) * 10}s"
            o.write(line(c[0], [("age", [bucket]), ("gender", [c[2]]), ("occupation", [c[3]]),
                                ("zip", [c[4][:1]] if c[4][:1].isdigit() else ["other"])]))


def movies_csv(src, out):
    with open(src, encoding="utf-8", newline="") as f, open(out, "w", encoding="utf-8") as o:
        for r in csv.DictReader(f):
            g = [] if r["genres"] == "(no genres listed)" else r["genres"].split("|")
            o.write(line(r["movieId"], [("genre", g), ("decade", decade(r["title"]))]))


if __name__ == "__main__":
    if len(sys.argv) != 4 or sys.argv[1] not in ("ml100k-items", "ml100k-users", "movies-csv"):
        sys.exit(__doc__)
    {"ml100k-items": ml100k_items, "ml100k-users": ml100k_users, "movies-csv": movies_csv}[sys.argv[1]](sys.argv[2], sys.argv[3])
