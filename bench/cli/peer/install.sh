#!/bin/sh
# Installs what the PyTorch peer needs on Debian 12 (bookworm): torch 1.13 and numpy from Debian.
# Run as root (or with sudo). The peer runs with /usr/bin/python3; set PEER_PYTHON to use another
# interpreter that imports torch and numpy.
set -e
apt-get update
apt-get install -y python3 python3-torch python3-numpy
/usr/bin/python3 -c 'import torch, numpy; print("torch", torch.__version__, "numpy", numpy.__version__)'
