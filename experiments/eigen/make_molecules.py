#!/usr/bin/python3
"""Converts Debian rdkit-data's 5,000 NCI molecules (SMILES + TPSA, BSD-3) into Noether's compact graph file.

Run once (needs Debian's python3-rdkit and rdkit-data; Noether itself never needs rdkit):
    /usr/bin/python3 experiments/eigen/make_molecules.py [/usr/share/RDKit/Data/NCI/first_5k.tpsa.csv] [data/molecules-nci5k.txt.gz]

Output: gzip text, deterministic (mtime 0). Header lines start with '#'; then one 'targets' line naming the targets;
then three lines per molecule:
    m <atoms> <bonds> <target values...>
    a <Z>,<formal charge>,<aromatic 0/1>,<total H>  ... (one token per heavy atom)
    b <u>,<v>,<type 1|2|3|4=aromatic> ...           (one token per bond; the line is 'b' alone when there are none)
Targets: tpsa (the file's Daylight/Ertl TPSA), rings (RDKit ring count), logp (Crippen logP, RDKit).
Molecules RDKit cannot parse are skipped and counted on stderr.
"""
import gzip
import sys

from rdkit import Chem, RDLogger
from rdkit.Chem import Crippen, rdMolDescriptors

RDLogger.DisableLog("rdApp.*")
BOND = {Chem.BondType.SINGLE: 1, Chem.BondType.DOUBLE: 2, Chem.BondType.TRIPLE: 3, Chem.BondType.AROMATIC: 4}


def main():
    src = sys.argv[1] if len(sys.argv) > 1 else "/usr/share/RDKit/Data/NCI/first_5k.tpsa.csv"
    dst = sys.argv[2] if len(sys.argv) > 2 else "data/molecules-nci5k.txt.gz"
    lines = ["# Noether molecule graphs v1: Debian rdkit-data NCI first_5k.tpsa.csv (BSD-3-clause), converted by",
             "# experiments/eigen/make_molecules.py with RDKit " + Chem.rdBase.rdkitVersion,
             "targets tpsa rings logp"]
    skipped = kept = 0
    with open(src) as f:
        for row in f:
            row = row.strip()
            if not row or row.startswith("#"):
                continue
            smiles, tpsa = row.rsplit(",", 1)
            mol = Chem.MolFromSmiles(smiles)
            if mol is None or mol.GetNumAtoms() == 0:
                skipped += 1
                continue
            atoms = [f"{a.GetAtomicNum()},{a.GetFormalCharge()},{int(a.GetIsAromatic())},{a.GetTotalNumHs()}"
                     for a in mol.GetAtoms()]
            bonds = [f"{b.GetBeginAtomIdx()},{b.GetEndAtomIdx()},{BOND.get(b.GetBondType(), 1)}" for b in mol.GetBonds()]
            rings = rdMolDescriptors.CalcNumRings(mol)
            logp = Crippen.MolLogP(mol)
            lines.append(f"m {len(atoms)} {len(bonds)} {float(tpsa):.2f} {rings} {logp:.4f}")
            lines.append(" ".join(["a"] + atoms))
            lines.append(" ".join(["b"] + bonds))
            kept += 1
    data = ("\n".join(lines) + "\n").encode()
    tmp = dst + ".tmp"
    with open(tmp, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0, filename="") as gz:
        gz.write(data)
    import os
    os.replace(tmp, dst)
    print(f"{kept} molecules written to {dst}, {skipped} skipped", file=sys.stderr)


if __name__ == "__main__":
    main()
