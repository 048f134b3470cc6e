#!/usr/bin/env python3
"""The PyTorch twin of `swift run -c release bench`.

Usage: torch_twin.py CONFIG.json OUT.json

CONFIG is written by `bench --compare torch`: for every bench row that has a twin,
its name and a spec (op, shapes, options), and the device to run on. This script
builds the same work with PyTorch's default paths and times it (best of N after a
warm-up, like the bench). On the CPU, with the bench's thread count: writes
{"seconds": {row name: seconds}}. On CUDA, twice: TF32 off ("cuda_seconds", the
same fp32 arithmetic as mckd) and on ("cuda_tf32_seconds", PyTorch's default for
convolutions). Exit status 3: torch is not installed; 4: CUDA asked for, none seen.
"""
import json
import sys
import time

try:
    import torch
    import torch.nn as nn
    import torch.nn.functional as F
except ImportError:
    print("torch_twin: PyTorch is not installed (pip install torch)", file=sys.stderr)
    sys.exit(3)


def best_time(body, repeats, device):
    def sync():
        if device.type == "cuda":
            torch.cuda.synchronize()
    body()
    sync()
    best = float("inf")
    for _ in range(max(1, repeats)):
        start = time.perf_counter()
        body()
        sync()
        best = min(best, time.perf_counter() - start)
    return best


def randn(shape, device, requires_grad=False):
    return torch.randn(*shape, device=device, requires_grad=requires_grad)


# --- ops ---------------------------------------------------------------------

def convolution(spec, device, transposed, pass_):
    s = spec["shapes"]
    x, w = randn(s["input"], device), randn(s["weight"], device)
    stride, padding, dilation = s["stride"], s["padding"], s["dilation"]
    if transposed:
        y = F.conv_transpose3d(x, w, stride=stride, padding=padding, dilation=dilation)
    else:
        y = F.conv3d(x, w, stride=stride, padding=padding, dilation=dilation)
    g = torch.randn_like(y)
    if pass_ == "forward":
        if transposed:
            return lambda: F.conv_transpose3d(x, w, stride=stride, padding=padding, dilation=dilation)
        return lambda: F.conv3d(x, w, stride=stride, padding=padding, dilation=dilation)
    mask = [pass_ == "backward_data", pass_ == "backward_filter", False]
    return lambda: torch.ops.aten.convolution_backward(
        g, x, w, None, stride, padding, dilation, transposed, [0, 0, 0], 1, mask)


def normalization(spec, device, kind, pass_):
    shape = spec["shapes"]["input"]
    channels = shape[1]
    x = randn(shape, device, requires_grad=True)
    gamma = torch.ones(channels, device=device, requires_grad=True)
    beta = torch.zeros(channels, device=device, requires_grad=True)
    running_mean, running_var = torch.zeros(channels, device=device), torch.ones(channels, device=device)

    def forward():
        if kind == "instance":
            return F.instance_norm(x, weight=gamma, bias=beta, eps=1e-5)
        return F.batch_norm(x, running_mean, running_var, gamma, beta, training=True, eps=1e-5)
    if pass_ == "forward":
        def run():
            with torch.no_grad():
                forward()
        return run
    y = forward()
    g = torch.randn_like(y)
    return lambda: torch.autograd.grad(y, (x, gamma, beta), g, retain_graph=True)


def leaky_relu(spec, device, pass_):
    x = randn(spec["shapes"]["input"], device)
    slope = spec["options"].get("slope", 0.01)
    if pass_ == "forward":
        return lambda: F.leaky_relu(x, slope)
    g = torch.randn_like(x)
    return lambda: torch.ops.aten.leaky_relu_backward(g, x, slope, False)


def weighted_kd_l1(features, theta, modalities):
    """sum over ordered pairs i != j of (w_i / w_j) * mean |sg(f_i) - f_j|, mean over the batch."""
    n = features.shape[0] // modalities
    f = features.reshape(n, modalities, -1)
    w = torch.softmax(theta, 0)
    loss = features.new_zeros(())
    for i in range(modalities):
        for j in range(modalities):
            if i != j:
                loss = loss + (w[i] / w[j]).detach() * (f[:, i].detach() - f[:, j]).abs().mean()
    return loss


def kd(spec, device):
    modalities = int(spec["options"]["modalities"])
    features = randn(spec["shapes"]["features"], device, requires_grad=True)
    theta = torch.rand(modalities, device=device)

    def run():
        loss = weighted_kd_l1(features, theta, modalities)
        torch.autograd.grad(loss, features)
    return run


def sgemm(spec, device):
    m, n, k = spec["shapes"]["mnk"]
    a, b = randn([m, k], device), randn([k, n], device)
    return lambda: torch.mm(a, b)


def axpy(spec, device):
    x, y = randn(spec["shapes"]["input"], device), randn(spec["shapes"]["input"], device)
    return lambda: y.add_(x, alpha=0.5)


def reduce_sum(spec, device):
    x = randn(spec["shapes"]["input"], device)
    return lambda: x.sum()


# --- the small model ------------------------------------------------------------

class StandardizedConv3d(nn.Conv3d):
    """Weight standardisation: each output channel's weights to zero mean, unit variance."""

    def forward(self, x):
        w = self.weight
        mean = w.mean(dim=(1, 2, 3, 4), keepdim=True)
        var = w.var(dim=(1, 2, 3, 4), keepdim=True, unbiased=False)
        w = (w - mean) / torch.sqrt(var + 1e-5)
        return F.conv3d(x, w, None, self.stride, self.padding, self.dilation)


def conv_norm_act(cin, cout, stride, kernel=3, padding=1, dilation=1):
    return [StandardizedConv3d(cin, cout, kernel, stride=stride, padding=padding, dilation=dilation, bias=False),
            nn.InstanceNorm3d(cout, affine=True), nn.LeakyReLU(0.01)]


class ResidualBlock(nn.Module):
    def __init__(self, channels):
        super().__init__()
        self.body = nn.Sequential(*conv_norm_act(channels, channels, 1),
                                  StandardizedConv3d(channels, channels, 3, padding=1, bias=False),
                                  nn.InstanceNorm3d(channels, affine=True))
        self.act = nn.LeakyReLU(0.01)

    def forward(self, x):
        return self.act(x + self.body(x))


class SmallModel(nn.Module):
    """mckd's `--arch small`: a shared encoder over every modality volume, concat
    fusion, transposed-conv decoder with skip convs and residual blocks."""

    def __init__(self, channels, modalities, outputs):
        super().__init__()
        self.modalities = modalities
        levels, cin = [], 1
        for level, width in enumerate(channels):
            levels.append(nn.Sequential(*conv_norm_act(cin, width, 1 if level == 0 else 2), *conv_norm_act(width, width, 1)))
            cin = width
        self.levels = nn.ModuleList(levels)
        ups, skips, blocks, incoming = [], [], [], modalities * channels[-1]
        for level in range(len(channels) - 2, -1, -1):
            width = channels[level]
            ups.append(nn.ConvTranspose3d(incoming, width, 2, stride=2, bias=False))
            skips.append(StandardizedConv3d(modalities * width, width, 1, bias=False))
            blocks.append(ResidualBlock(width))
            incoming = width
        self.ups, self.skips, self.blocks = nn.ModuleList(ups), nn.ModuleList(skips), nn.ModuleList(blocks)
        self.head = nn.Conv3d(channels[0], outputs, 1, bias=False)

    def forward(self, x):
        n, m = x.shape[0], self.modalities
        current = x.reshape(n * m, 1, *x.shape[2:])
        features = []
        for level in self.levels:
            current = level(current)
            features.append(current)
        fused = [f.reshape(n, m * f.shape[1], *f.shape[2:]) for f in features]
        current = fused[-1]
        for step, level in enumerate(range(len(fused) - 2, -1, -1)):
            current = self.blocks[step](self.ups[step](current) + self.skips[step](fused[level]))
        return self.head(current), features[-1]


class Bottleneck(nn.Module):
    """ResNet bottleneck: 1x1 -> 3x3 (stride) -> 1x1 (x4), projection shortcut when the shape changes."""

    def __init__(self, cin, planes, stride):
        super().__init__()
        out = planes * 4
        self.body = nn.Sequential(*conv_norm_act(cin, planes, 1, kernel=1, padding=0), *conv_norm_act(planes, planes, stride),
                                  StandardizedConv3d(planes, out, 1, bias=False), nn.InstanceNorm3d(out, affine=True))
        self.projection = None
        if stride != 1 or cin != out:
            self.projection = nn.Sequential(StandardizedConv3d(cin, out, 1, stride=stride, bias=False),
                                            nn.InstanceNorm3d(out, affine=True))
        self.act = nn.LeakyReLU(0.01)

    def forward(self, x):
        return self.act(self.body(x) + (self.projection(x) if self.projection is not None else x))


class ASPP(nn.Module):
    def __init__(self, cin, width, dilations):
        super().__init__()
        self.branches = nn.ModuleList([nn.Sequential(*conv_norm_act(cin, width, 1, kernel=1, padding=0))] + [
            nn.Sequential(*conv_norm_act(cin, width, 1, padding=d, dilation=d)) for d in dilations])
        self.pool_conv = StandardizedConv3d(cin, width, 1, bias=False)
        self.projection = nn.Sequential(*conv_norm_act(width * (len(dilations) + 2), width, 1, kernel=1, padding=0))

    def forward(self, x):
        pooled = F.leaky_relu(self.pool_conv(F.adaptive_avg_pool3d(x, 1)), 0.01).expand(-1, -1, *x.shape[2:])
        return self.projection(torch.cat([branch(x) for branch in self.branches] + [pooled], 1))


class PaperModel(nn.Module):
    """mckd's `--arch paper`: a 3D ResNet-50 (layer4 narrowed) + ASPP shared encoder,
    concat fusion, transposed-conv decoder with skip convs and residual blocks."""

    def __init__(self, s, modalities, outputs):
        super().__init__()
        self.modalities = modalities
        stem = s["stem"][0]
        self.stem = nn.Sequential(*conv_norm_act(1, stem, tuple(s["stem_stride"]), kernel=7, padding=3))
        layers, cin = [], stem
        for planes, blocks, stride in zip(s["planes"], s["blocks"], s["strides"]):
            units = []
            for index in range(blocks):
                units.append(Bottleneck(cin, planes, stride if index == 0 else 1))
                cin = planes * 4
            layers.append(nn.Sequential(*units))
        self.layers = nn.ModuleList(layers)
        width = s["bottleneck"][0]
        self.reduce = nn.Sequential(*conv_norm_act(cin, width, 1, kernel=1, padding=0))
        self.aspp = ASPP(width, width, s["dilations"])
        features = [stem] + [p * 4 for p in s["planes"][:-1]]
        ups, skips, blocks, incoming = [], [], [], modalities * width
        for level in range(len(features) - 1, -1, -1):
            out = s["decoder"][level]
            ups.append(nn.ConvTranspose3d(incoming, out, 2, stride=2, bias=False))
            skips.append(StandardizedConv3d(modalities * features[level], out, 1, bias=False))
            blocks.append(ResidualBlock(out))
            incoming = out
        self.ups, self.skips, self.blocks = nn.ModuleList(ups), nn.ModuleList(skips), nn.ModuleList(blocks)
        self.head = nn.Conv3d(s["decoder"][0], outputs, 1, bias=False)
        self.final_scale = tuple(float(v) for v in s["final_upsample"])

    def forward(self, x):
        n, m = x.shape[0], self.modalities
        current = self.stem(x.reshape(n * m, 1, *x.shape[2:]))
        skips = [current]
        current = F.max_pool3d(current, 3, stride=2, padding=1)
        for index, layer in enumerate(self.layers):
            current = layer(current)
            if index < len(self.layers) - 1:
                skips.append(current)
        bottleneck = self.aspp(self.reduce(current))
        fused = [f.reshape(n, m * f.shape[1], *f.shape[2:]) for f in skips]
        current = bottleneck.reshape(n, m * bottleneck.shape[1], *bottleneck.shape[2:])
        for step, level in enumerate(range(len(fused) - 1, -1, -1)):
            current = self.blocks[step](self.ups[step](current) + self.skips[step](fused[level]))
        logits = F.interpolate(self.head(current), scale_factor=self.final_scale, mode="trilinear", align_corners=True)
        return logits, bottleneck


def segmentation_loss(logits, targets):
    p = torch.sigmoid(logits)
    dims = (2, 3, 4)
    dice = (2 * (p * targets).sum(dims) / (p.sum(dims) + targets.sum(dims) + 1)).mean(0)
    bce = F.binary_cross_entropy_with_logits(logits, targets, reduction="none").mean(dim=(0, 2, 3, 4)).sum()
    return (1 - dice).mean() + bce


def model_step(spec, device):
    s, o = spec["shapes"], spec["options"]
    batch, modalities = int(o["batch"]), int(o["modalities"])
    if spec["op"] == "small_model_step":
        model = SmallModel(s["channels"], modalities, int(o["outputs"])).to(device)
    else:
        model = PaperModel(s, modalities, int(o["outputs"])).to(device)
    optimizer = torch.optim.SGD(model.parameters(), lr=1e-2, momentum=0.99, nesterov=True)
    x = randn([batch, modalities] + s["crop"], device)
    targets = (torch.rand([batch, int(o["outputs"])] + s["crop"], device=device) > 0.5).float()
    theta = torch.rand(modalities, device=device)

    def step():
        optimizer.zero_grad()
        logits, bottleneck = model(x)
        loss = segmentation_loss(logits, targets) + o["kd_weight"] * weighted_kd_l1(bottleneck, theta, modalities)
        loss.backward()
        optimizer.step()
        loss.item()
    return step


def build(spec, device):
    op = spec["op"]
    for prefix, transposed in (("conv_transpose3d_", True), ("conv3d_", False)):
        if op.startswith(prefix):
            return convolution(spec, device, transposed, op[len(prefix):])
    for kind in ("instance", "batch"):
        if op.startswith(kind + "_norm_"):
            return normalization(spec, device, kind, op[len(kind + "_norm_"):])
    if op.startswith("leaky_relu_"):
        return leaky_relu(spec, device, op[len("leaky_relu_"):])
    simple = {"kd_l1_forward_backward": kd, "sgemm": sgemm, "axpy": axpy, "sum": reduce_sum,
              "small_model_step": model_step, "paper_model_step": model_step}
    if op not in simple:
        raise SystemExit(f"torch_twin: unknown op '{op}' (bench and twin out of step?)")
    return simple[op](spec, device)


def set_tf32(allowed):
    torch.backends.cuda.matmul.allow_tf32 = allowed
    torch.backends.cudnn.allow_tf32 = allowed


def time_rows(config, device, label):
    times = {}
    for row in config["rows"]:
        # Each row as many times as the bench timed ours (training steps fewer than kernels).
        times[row["name"]] = best_time(build(row["spec"], device), row.get("repeats", config["repeats"]), device)
        print(f"  torch {label}: {row['name']}: {times[row['name']] * 1e3:.3f} ms", flush=True)
    return times


def main():
    if len(sys.argv) != 3:
        raise SystemExit(__doc__)
    config = json.load(open(sys.argv[1]))
    torch.set_num_threads(config["threads"])
    torch.manual_seed(0)
    result = {"version": torch.__version__, "threads": torch.get_num_threads()}
    if config.get("device", "cpu") == "cuda":
        if not torch.cuda.is_available():
            print("torch_twin: CUDA asked for, but torch.cuda.is_available() is False", file=sys.stderr)
            sys.exit(4)
        cuda = torch.device("cuda")
        result["device"] = "cuda: " + torch.cuda.get_device_name(0)
        torch.backends.cudnn.benchmark = True   # PyTorch's fastest convolution choice per shape
        set_tf32(False)
        result["cuda_seconds"] = time_rows(config, cuda, "cuda")
        set_tf32(True)
        result["cuda_tf32_seconds"] = time_rows(config, cuda, "cuda tf32")
    else:
        result["device"] = "cpu"
        result["seconds"] = time_rows(config, torch.device("cpu"), "cpu")
    json.dump(result, open(sys.argv[2], "w"), indent=1, sort_keys=True)


if __name__ == "__main__":
    main()
