#!/usr/bin/env python3
"""Derive data/gpu_instances.csv (SkyPilot catalog columns) from the price
snapshots in ../shared/data/prices (and its nextgen/ folder), which may not be
copied whole (no licence stated): prices are facts, quoted here one row per
cloud, instance and region, at most three regions per instance, each row naming
its source (the `Source` column; details in data/gpu_catalog/README.md).

    python3 data/gpu_catalog/derive.py ../shared/data/prices > data/gpu_instances.csv
"""
import csv
import sys
from collections import defaultdict

src = sys.argv[1] if len(sys.argv) > 1 else "../shared/data/prices"
GPUS = {"H100", "H100-MEGA", "H200", "A100", "A100-80GB", "B200", "L40S", "GH200"}
GPUS |= {"GB200", "B300", "GB300", "MI300X", "MI325X", "MI355X"}
rows = []

# AWS (tsaol/aws-gpu, from ec2instances.info): on-demand and a reserved column
# (term not stated in the source; likely 1-year no-upfront).
for r in csv.DictReader(open(f"{src}/aws_gpu_instances.csv")):
    gpu = r["gpu"].replace("NVIDIA ", "").replace(" Blackwell", "")
    if gpu not in GPUS or not r["onDemand_usd_per_hr"]:
        continue
    count = float(r["gpu_count"])
    if count < 1:
        continue
    rows.append(dict(cloud="aws", InstanceType=r["instance_type"], AcceleratorName=gpu,
                     AcceleratorCount=int(count), vCPUs=r["vcpu"],
                     MemoryGiB=r["memory"].split()[0], Region=r["region"],
                     Price=r["onDemand_usd_per_hr"], SpotPrice="",
                     ReservedPrice=r["reserved_usd_per_hr"]))

# SkyPilot snapshot (anycloud-sh/catalog 62ff0a9, 2026-05-20). GCP lists the
# host VM and its GPUs as separate rows of one zone: an a3 instance's price is
# the two added (a3-highgpu-Ng + H100:N, a3-megagpu-8g + H100-MEGA:8,
# a3-ultragpu-8g + H200:8).
snap = list(csv.DictReader(open(f"{src}/gpu_cloud_prices_2026-05-20.csv")))
gcp_gpu = {}
for r in snap:
    if r["cloud"] == "gcp" and not r["InstanceType"]:
        gcp_gpu[(r["AcceleratorName"], int(float(r["AcceleratorCount"])), r["AvailabilityZone"])] = r
GCP_HOST = {"a3-highgpu-1g": ("H100", 1), "a3-highgpu-2g": ("H100", 2), "a3-highgpu-4g": ("H100", 4),
            "a3-highgpu-8g": ("H100", 8), "a3-megagpu-8g": ("H100-MEGA", 8), "a3-ultragpu-8g": ("H200", 8)}
seen = set()
for r in snap:
    cloud = r["cloud"]
    if cloud == "gcp":
        if r["InstanceType"] not in GCP_HOST:
            continue
        gpu, n = GCP_HOST[r["InstanceType"]]
        g = gcp_gpu.get((gpu, n, r["AvailabilityZone"]))
        if g is None:
            continue
        price = float(r["Price_usd_per_hr"]) + float(g["Price_usd_per_hr"])
        spot = ""
        if r["SpotPrice_usd_per_hr"] and g["SpotPrice_usd_per_hr"]:
            spot = round(float(r["SpotPrice_usd_per_hr"]) + float(g["SpotPrice_usd_per_hr"]), 5)
        row = dict(cloud=cloud, InstanceType=r["InstanceType"], AcceleratorName=gpu.replace("-MEGA", ""),
                   AcceleratorCount=n, vCPUs=r["vCPUs"], MemoryGiB=r["MemoryGiB"], Region=r["Region"],
                   Price=round(price, 5), SpotPrice=spot, ReservedPrice="")
    else:
        if r["AcceleratorName"] not in GPUS or not r["InstanceType"]:
            continue
        row = dict(cloud=cloud, InstanceType=r["InstanceType"], AcceleratorName=r["AcceleratorName"],
                   AcceleratorCount=int(float(r["AcceleratorCount"])), vCPUs=r["vCPUs"],
                   MemoryGiB=r["MemoryGiB"], Region=r["Region"], Price=r["Price_usd_per_hr"],
                   SpotPrice=r["SpotPrice_usd_per_hr"], ReservedPrice="")
    key = (row["cloud"], row["InstanceType"], row["Region"])
    if key in seen:  # one zone per region: the first listed
        continue
    seen.add(key)
    rows.append(row)

# The next-generation snapshot (prices/nextgen/nextgen_gpu_cloud_prices.csv,
# collected 2026-12-05 from SkyPilot catalog v8, anycloud-sh/catalog 62ff0a9 and
# tsaol/aws-gpu 77fcd9f; see its README): B200, GB200, B300, GB300, H200, H100,
# MI300X, MI355X. Per region: the on-demand price, and the median of the zones'
# spot prices. A spot price that only repeats the on-demand one (Azure H200 and
# GB200, RunPod: no spot offer) or exceeds it (some GCP zones mix SKUs) is left
# out. Where both snapshots list a cloud, instance and region, this one wins (it
# has AWS spot prices), keeping the older file's reserved price.
SOURCE = {
    "SkyPilot catalog v8": "skypilot-catalog v8",
    "tsaol/aws-gpu": "tsaol/aws-gpu 2026-01-21",
    "anycloud-sh/catalog": "anycloud-sh/catalog 2026-05-20",
}
for r in rows:
    r["Source"] = "tsaol/aws-gpu" if r["cloud"] == "aws" else "anycloud-sh/catalog 2026-05-20"
    r["Notes"] = "GCP: host VM + GPUs" if r["cloud"] == "gcp" else ""
nextgen = defaultdict(list)
for r in csv.DictReader(open(f"{src}/nextgen/nextgen_gpu_cloud_prices.csv")):
    nextgen[(r["cloud"], r["InstanceType"], r["Region"])].append(r)
older = {(r["cloud"], r["InstanceType"], r["Region"]): r for r in rows}


def median(xs):
    xs = sorted(xs)
    n = len(xs)
    return None if n == 0 else (xs[n // 2] if n % 2 else 0.5 * (xs[n // 2 - 1] + xs[n // 2]))


def number(x):
    return float(x) if x not in ("", None) else None


for key, zones in nextgen.items():
    z = zones[0]
    price = number(z["Price"])
    spots = [number(r["SpotPrice"]) for r in zones]
    spots = [x for x in spots if x and (price is None or x < price)]
    spot = median(spots)
    source = next(v for k, v in SOURCE.items() if z["source"].startswith(k))
    notes = []
    if z["cloud"] == "gcp":
        notes.append("GCP: host VM + GPUs")
    if z["cloud"] == "vast":
        notes.append("marketplace offer")
    if "GB200" in z["AcceleratorName"] and z["cloud"] == "azure":
        notes.append("4 GPUs per VM from Azure's docs")
    if price is None:
        notes.append("no public on-demand price")
    variant = z["accelerator_variant"]
    if any(w in variant for w in ("PCIe", "NVL 94GB", "NVL72", "NVL36", "tray")):
        notes.append(variant)
    old = older.get(key)
    row = dict(cloud=z["cloud"], InstanceType=z["InstanceType"], AcceleratorName=z["AcceleratorName"],
               AcceleratorCount=int(float(z["AcceleratorCount"])), vCPUs=z["vCPUs"],
               MemoryGiB=z["MemoryGiB"], Region=z["Region"],
               Price="" if price is None else price,
               SpotPrice="" if spot is None else round(spot, 5),
               ReservedPrice=old["ReservedPrice"] if old else "",
               Source=source, Notes="; ".join(notes))
    if old:
        rows.remove(old)
    rows.append(row)

# A quotation, not a copy: at most three regions per instance, US regions first
# (the cheapest on-demand), other regions only for an instance without a US row;
# no GovCloud.
US = ("us-", "eastus", "westus", "centralus", "southcentralus", "northcentralus", "westcentralus")


def us(r):
    region = r["Region"]
    return region.startswith(US) or region == "US" or ", US," in region


count = defaultdict(int)
kept = []
for r in sorted(rows, key=lambda r: (r["cloud"], r["InstanceType"], not us(r),
                                     float(r["Price"]) if r["Price"] != "" else 1e9, r["Region"])):
    k = (r["cloud"], r["InstanceType"])
    if count[k] < 3 and "gov" not in r["Region"].lower():
        count[k] += 1
        kept.append(r)
rows = kept
rows.sort(key=lambda r: (r["cloud"], r["AcceleratorName"], r["InstanceType"], r["Region"]))
w = csv.DictWriter(sys.stdout, fieldnames=list(rows[0].keys()), lineterminator="\n")
w.writeheader()
w.writerows(rows)
