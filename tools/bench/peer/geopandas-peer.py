"""What an analyst would run instead of Geobatch on a big file: GeoPandas `sjoin` of the points
against the 읍면동 layer, then `to_excel` through xlsxwriter. Used by `npm run bench -- --peer geopandas`.

usage: geopandas-peer.py POINTS.csv LAYER.geojson OUT.xlsx
Reads the CSV in the bench's layout (x in column 5, y in column 6, WGS84), writes every input
column plus the 읍면동 code and name, and prints one JSON line: the stages' seconds and peak memory.
"""
import json
import resource
import sys
import time

import geopandas as gpd
import pandas as pd


def main(points_csv: str, layer_path: str, out_xlsx: str) -> None:
    t0 = time.perf_counter()
    # As text, like the product: codes and plates keep their leading zeros.
    table = pd.read_csv(points_csv, dtype=str, keep_default_na=False)
    t1 = time.perf_counter()

    x = pd.to_numeric(table.iloc[:, 4], errors="coerce")
    y = pd.to_numeric(table.iloc[:, 5], errors="coerce")
    points = gpd.GeoDataFrame(table, geometry=gpd.points_from_xy(x, y), crs="EPSG:4326")
    areas = gpd.read_file(layer_path)[["code", "name", "geometry"]].rename(columns={"code": "읍면동코드", "name": "읍면동"})
    joined = gpd.sjoin(points, areas, how="left", predicate="within")
    # A point on a shared edge can fall in two polygons: keep one row per input row.
    joined = joined[~joined.index.duplicated(keep="first")]
    t2 = time.perf_counter()

    joined.drop(columns=["geometry", "index_right"]).to_excel(out_xlsx, index=False, engine="xlsxwriter")
    t3 = time.perf_counter()

    print(
        json.dumps(
            {
                "rows": int(len(joined)),
                "matched": int(joined["읍면동코드"].notna().sum()),
                "read_s": round(t1 - t0, 1),
                "load_join_s": round(t2 - t1, 1),
                "write_s": round(t3 - t2, 1),
                "seconds": round(t3 - t0, 1),
                # ru_maxrss is in KiB on Linux.
                "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
                "versions": {"geopandas": gpd.__version__, "pandas": pd.__version__},
            }
        )
    )


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    main(*sys.argv[1:])
