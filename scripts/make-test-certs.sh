#!/usr/bin/env bash
# Makes the certificates of the network tests with the openssl command line, the way users
# and the platform's installer make them (files into DIR, default target/certs; kept while
# this script is unchanged and the certificates are valid for another day):
#
#   selfsigned.pem/.key  `openssl req -x509` with a SAN: what the platform installs with.
#                        Debian's openssl.cnf makes it CA:TRUE (v3_ca).
#   cnonly.pem/.key      the same without a SAN (the name only in the CN), also CA:TRUE.
#   ca.pem/.key          a company CA; leaf.pem/.key a server certificate it signed
#                        (CA:FALSE, SAN localhost, 127.0.0.1, ::1).
#   expired.pem/.key     a server certificate of that CA that expired in 2021.
#   wrongname.pem/.key   a server certificate of that CA for other.example only.
#   certdir/             ca.pem under its `openssl rehash` name, for SSL_CERT_DIR.
#   *.pin                each certificate's pin in curl's format, by openssl's own recipe.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
dir=${1:-$here/target/certs}
stamp="$dir/.made-by-$(sha256sum "$0" | cut -c1-16)"
if [[ -e $stamp ]] && openssl x509 -checkend 86400 -noout -in "$dir/leaf.pem" >/dev/null 2>&1; then
  exit 0
fi
command -v openssl >/dev/null || { echo "make-test-certs: openssl is required" >&2; exit 1; }
rm -rf "$dir"
mkdir -p "$dir/certdir"
cd "$dir"
san="subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1"

# The platform's own: self-signed, as the installer and most operators make it.
openssl req -x509 -newkey rsa:2048 -nodes -keyout selfsigned.key -out selfsigned.pem -days 825 \
  -subj /CN=localhost -addext "$san" 2>/dev/null
openssl req -x509 -newkey rsa:2048 -nodes -keyout cnonly.key -out cnonly.pem -days 825 \
  -subj /CN=localhost 2>/dev/null

# A company CA and the server certificates it signs.
openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 3650 \
  -subj "/CN=dcimanager test company CA/O=Example Hosting" 2>/dev/null
leaf() { # name, extensions
  openssl req -newkey rsa:2048 -nodes -keyout "$1.key" -out "$1.csr" -subj /CN=localhost 2>/dev/null
  printf '%s\n' "basicConstraints=CA:FALSE" "keyUsage=digitalSignature,keyEncipherment" \
    "extendedKeyUsage=serverAuth" "$2" > "$1.ext"
}
leaf leaf "$san"
openssl x509 -req -in leaf.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out leaf.pem -days 825 \
  -extfile leaf.ext 2>/dev/null
leaf wrongname "subjectAltName=DNS:other.example"
openssl x509 -req -in wrongname.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out wrongname.pem \
  -days 825 -extfile wrongname.ext 2>/dev/null
# Expired: `openssl ca` is the tool that takes explicit dates.
leaf expired "$san"
mkdir -p ca-db && : > ca-db/index.txt && echo 1000 > ca-db/serial
cat > ca-db/ca.cnf <<EOF
[ ca ]
default_ca = test
[ test ]
database = ca-db/index.txt
serial = ca-db/serial
new_certs_dir = ca-db
default_md = sha256
policy = any
copy_extensions = none
[ any ]
commonName = supplied
EOF
openssl ca -batch -config ca-db/ca.cnf -cert ca.pem -keyfile ca.key -in expired.csr -out expired.pem \
  -startdate 20200101000000Z -enddate 20210101000000Z -extfile expired.ext -notext 2>/dev/null

# SSL_CERT_DIR: the CA under its hash name, as c_rehash / update-ca-certificates leave it.
cp ca.pem "certdir/$(openssl x509 -hash -noout -in ca.pem).0"

# Pins, by the recipe of curl's documentation.
for c in selfsigned cnonly ca leaf expired wrongname; do
  openssl x509 -in "$c.pem" -pubkey -noout | openssl pkey -pubin -outform der |
    openssl dgst -sha256 -binary | base64 | sed 's|^|sha256//|' > "$c.pin"
done
rm -f ./*.csr ./*.ext ca.srl
touch "$stamp"
