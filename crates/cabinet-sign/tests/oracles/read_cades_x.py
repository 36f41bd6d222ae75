"""Reads a CAdES-X Long Type 1 signature with pyasn1-modules (RFC 5652,
RFC 5126), an ASN.1 reader independent of ours.

Usage: read_cades_x.py SIGNATURE.der OUT_DIR

Every long-term attribute of the first signer is decoded with its RFC 5126
type and must re-encode to the same bytes (DER). The X1 data an
escTimeStamp is over is computed here, from pyasn1's own encoding, and
written to OUT_DIR/x1.bin with the escTimeStamp token (esc.der), the
certificate values (cert-N.der) and CRL values (crl-N.der), for OpenSSL
to check. A summary is printed as JSON.
"""

import json
import os
import sys

from pyasn1.codec.der import decoder, encoder
from pyasn1_modules import rfc5126, rfc5652

SIGNATURE_TIME_STAMP = rfc5126.id_aa_signatureTimeStampToken
SPECS = {
    SIGNATURE_TIME_STAMP: rfc5126.SignatureTimeStampToken,
    rfc5126.id_aa_ets_certificateRefs: rfc5126.CompleteCertificateRefs,
    rfc5126.id_aa_ets_revocationRefs: rfc5126.CompleteRevocationRefs,
    rfc5126.id_aa_ets_certValues: rfc5126.CertificateValues,
    rfc5126.id_aa_ets_revocationValues: rfc5126.RevocationValues,
    rfc5126.id_aa_ets_escTimeStamp: rfc5126.ESCTimeStampToken,
}


def strict(der, spec):
    value, rest = decoder.decode(der, asn1Spec=spec)
    if rest:
        raise SystemExit(f"{len(rest)} bytes after the value")
    if encoder.encode(value) != der:
        raise SystemExit("the value does not re-encode to the same bytes")
    return value


def main(path, out):
    content_info = strict(open(path, "rb").read(), rfc5652.ContentInfo())
    assert content_info["contentType"] == rfc5652.id_signedData
    signed_data = strict(
        content_info["content"].asOctets(), rfc5652.SignedData()
    )
    signer = signed_data["signerInfos"][0]
    attrs = {}
    for attr in signer["unsignedAttrs"]:
        oid = attr["attrType"]
        spec = SPECS.get(oid)
        if spec is None:
            continue
        values = [strict(v.asOctets(), spec()) for v in attr["attrValues"]]
        attrs.setdefault(oid, []).append((attr, values))

    summary = {}
    refs = attrs[rfc5126.id_aa_ets_certificateRefs][0][1][0]
    summary["certificate_refs"] = [
        {
            "hash_algorithm": str(r["otherCertHash"]["otherHash"]["hashAlgorithm"]["algorithm"]),
            "hash": r["otherCertHash"]["otherHash"]["hashValue"].asOctets().hex(),
            "serial": int(r["issuerSerial"]["serialNumber"]),
        }
        for r in refs
    ]
    rev_refs = attrs[rfc5126.id_aa_ets_revocationRefs][0][1][0]
    summary["revocation_refs"] = []
    for r in rev_refs:
        entry = {"crls": [], "ocsp": []}
        if r["crlids"].isValue:
            for crl in r["crlids"]["crls"]:
                entry["crls"].append(
                    {
                        "hash": crl["crlHash"]["otherHash"]["hashValue"].asOctets().hex(),
                        "issued": str(crl["crlIdentifier"]["crlIssuedTime"]),
                    }
                )
        if r["ocspids"].isValue:
            for o in r["ocspids"]["ocspResponses"]:
                entry["ocsp"].append(
                    {
                        "produced_at": str(o["ocspIdentifier"]["producedAt"]),
                        "hash": o["ocspRepHash"]["otherHash"]["hashValue"].asOctets().hex(),
                    }
                )
        summary["revocation_refs"].append(entry)

    cert_values = attrs[rfc5126.id_aa_ets_certValues][0][1][0]
    for i, cert in enumerate(cert_values):
        with open(os.path.join(out, f"cert-{i}.der"), "wb") as f:
            f.write(encoder.encode(cert))
    summary["certificate_values"] = len(cert_values)
    rev_values = attrs[rfc5126.id_aa_ets_revocationValues][0][1][0]
    crls = rev_values["crlVals"] if rev_values["crlVals"].isValue else []
    for i, crl in enumerate(crls):
        with open(os.path.join(out, f"crl-{i}.der"), "wb") as f:
            f.write(encoder.encode(crl))
    summary["crl_values"] = len(crls)
    summary["ocsp_values"] = (
        len(rev_values["ocspVals"]) if rev_values["ocspVals"].isValue else 0
    )

    # X1 data: the signature value's octets, then the signature time stamp
    # and the two reference attributes, each as attrType || attrValues.
    x1 = signer["signature"].asOctets()
    for oid in (
        SIGNATURE_TIME_STAMP,
        rfc5126.id_aa_ets_certificateRefs,
        rfc5126.id_aa_ets_revocationRefs,
    ):
        for attr, _ in attrs.get(oid, []):
            x1 += encoder.encode(attr["attrType"]) + encoder.encode(attr["attrValues"])
    with open(os.path.join(out, "x1.bin"), "wb") as f:
        f.write(x1)
    esc = attrs[rfc5126.id_aa_ets_escTimeStamp][0][1][0]
    with open(os.path.join(out, "esc.der"), "wb") as f:
        f.write(encoder.encode(esc))
    print(json.dumps(summary))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
