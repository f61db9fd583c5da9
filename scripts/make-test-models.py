#!/usr/bin/python3
"""Writes the small ONNX models under test/data/models/ that the tests of user-brought models use.

Run with Debian's PyTorch (apt-get install python3-torch python3-torchvision):
    /usr/bin/python3 scripts/make-test-models.py
The weights are random (seeded): the models test loading, shapes and the mapping of maps back to
the source, never what a network recognises. The .onnx files are committed so that the tests (and
CI) do not need PyTorch; rerunning this script must give the same files bit for bit.
"""
import os
import torch
import torch.nn as nn

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'test', 'data', 'models')


class Tiny(nn.Module):
    """torchvision's shape of classifier in miniature: convs, global average pool, flatten, linear."""

    def __init__(self, classes):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(3, 8, 3, stride=2, padding=1), nn.ReLU(),
            nn.Conv2d(8, 16, 3, stride=2, padding=1), nn.ReLU(),
            nn.Conv2d(16, 16, 3, stride=2, padding=1), nn.ReLU(),
        )
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(16, classes)

    def forward(self, x):
        return self.fc(torch.flatten(self.pool(self.features(x)), 1))


def export(name, classes, h, w, dynamic):
    torch.manual_seed(17)
    model = Tiny(classes).eval()
    x = torch.zeros(1, 3, h, w)
    path = os.path.join(OUT, name, 'model.onnx')
    os.makedirs(os.path.dirname(path), exist_ok=True)
    axes = {'input': {2: 'height', 3: 'width'}} if dynamic else None
    torch.onnx.export(model, x, path, input_names=['input'], output_names=['logits'],
                      opset_version=13, dynamic_axes=axes, do_constant_folding=True)
    print(path, os.path.getsize(path), 'bytes')


if __name__ == '__main__':
    # 1000 logits and no labels file beside it: how a torchvision ImageNet export arrives
    export('classifier-1000-nolabels', 1000, 224, 224, False)
    # a fixed non-square input, 224 high and 320 wide (NCHW [1, 3, 224, 320])
    export('nonsquare-224x320', 10, 224, 320, False)
    # height and width left symbolic: the size comes from --input-size or the source
    export('dynamic-hw', 10, 224, 224, True)
