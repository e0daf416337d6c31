#!/usr/bin/env python3
"""Derive data/gpu_instances.csv (SkyPilot catalog columns) from the two price
snapshots in ../shared/data/prices, which may not be copied whole (no licence
stated): prices are facts, quoted here one row per cloud, instance and region
with their source in data/gpu_catalog/README.md.

    python3 data/gpu_catalog/derive.py ../shared/data/prices > data/gpu_instances.csv
"""
import csv
import sys
from collections import defaultdict

src = sys.argv[1] if len(sys.argv) > 1 else "../shared/data/prices"
GPUS = {"H100", "H100-MEGA", "H200", "A100", "A100-80GB", "B200", "L40S", "GH200"}
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

# A quotation, not a copy: US regions only, at most three per instance.
US = ("us-", "eastus", "westus", "centralus", "southcentralus", "northcentralus", "westcentralus")
rows = [r for r in rows if r["cloud"] == "vast" or r["Region"].startswith(US)]
count = defaultdict(int)
kept = []
for r in sorted(rows, key=lambda r: (r["cloud"], r["InstanceType"], float(r["Price"]))):
    k = (r["cloud"], r["InstanceType"])
    if count[k] < 3 and "gov" not in r["Region"]:
        count[k] += 1
        kept.append(r)
rows = kept
rows.sort(key=lambda r: (r["cloud"], r["AcceleratorName"], r["InstanceType"], r["Region"]))
w = csv.DictWriter(sys.stdout, fieldnames=list(rows[0].keys()), lineterminator="\n")
w.writeheader()
w.writerows(rows)
