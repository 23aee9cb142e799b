"""HOSER, the student (src/lib/models/student.ts), as torch modules whose state_dict keys are the
names the app's checkpoints use (src/lib/checkpoint/torchNames.ts), so a checkpoint is a
state_dict. Grown from the side-by-side peer (bench/cli/peer/peer.py): plain PyTorch, index_add_ for
message passing over the whole graph, the same maths as ours (agreement: tests/torch/).

Inputs come from the export (export.py): `net` holds the road features and the graphs as the layers
consume them (GATv2 self loops, GCN normalisation), `b` a padded batch (batches.py).
"""
import math
import warnings

import torch
import torch.nn.functional as F
from torch import nn

from . import TDError

NEG = -1e9
warnings.filterwarnings("ignore", message="scatter_reduce")

# Size presets (STUDENT_PRESETS in student.ts).
PRESETS = {
    "default": dict(roadIdDim=64, roadFeatDim=16, gnnLayers=2, timeDim=128, heads=2, layers=2, mlpRatio=4,
                    fusionHidden=64, metricDim=128, navDim=128, timeHidden=64, freezeEncoders=False),
    "small": dict(roadIdDim=32, roadFeatDim=8, gnnLayers=2, timeDim=64, heads=2, layers=2, mlpRatio=4,
                  fusionHidden=32, metricDim=64, navDim=64, timeHidden=32, freezeEncoders=False),
}


def road_dim(c):
    return c["roadIdDim"] + 4 * c["roadFeatDim"]


def traj_dim(c):
    return road_dim(c) + c["timeDim"]


class GATv2(nn.Module):
    """PyG GATv2Conv, heads 1, edge attributes, bias after aggregation."""

    def __init__(self, d, edge_dim=2):
        super().__init__()
        self.lin_l = nn.Linear(d, d)
        self.lin_r = nn.Linear(d, d)
        self.lin_edge = nn.Linear(edge_dim, d, bias=False)
        self.att = nn.Parameter(torch.zeros(1, 1, d))
        self.bias = nn.Parameter(torch.zeros(d))

    def forward(self, x, src, dst, attr):
        xl = self.lin_l(x)
        pre = xl[src] + self.lin_r(x)[dst] + self.lin_edge(attr)
        score = F.leaky_relu(pre, 0.2) @ self.att.reshape(-1)
        # Softmax over each node's incoming edges, shifted by the per-node max (no gradient).
        n = x.shape[0]
        node_max = torch.full((n,), -1e30, device=x.device, dtype=x.dtype).scatter_reduce(0, dst, score.detach(), reduce="amax")
        ex = torch.exp(score - node_max[dst])
        denom = torch.zeros(n, device=x.device, dtype=x.dtype).index_add_(0, dst, ex)
        alpha = ex / denom[dst]
        out = torch.zeros(n, xl.shape[1], device=x.device, dtype=x.dtype).index_add_(0, dst, xl[src] * alpha[:, None])
        return out + self.bias


class GCN(nn.Module):
    """PyG GCNConv on a graph whose normalised weights come with the export."""

    def __init__(self, d):
        super().__init__()
        self.lin = nn.Linear(d, d, bias=False)
        self.bias = nn.Parameter(torch.zeros(d))

    def forward(self, z, src, dst, w):
        h = self.lin(z)
        return torch.zeros(z.shape[0], h.shape[1], device=z.device, dtype=z.dtype).index_add_(0, dst, h[src] * w[:, None]) + self.bias


class Stack(nn.Module):
    def __init__(self, layers):
        super().__init__()
        self.convs = nn.ModuleList(layers)


class RoadNetworkEncoder(nn.Module):
    def __init__(self, c, n_roads, n_types, n_zones):
        super().__init__()
        d, f = road_dim(c), c["roadFeatDim"]
        self.road_id_emb = nn.Embedding(n_roads, c["roadIdDim"])
        self.len_emb = nn.Linear(1, f)
        self.type_emb = nn.Embedding(n_types, f)
        self.lon_emb = nn.Linear(1, f)
        self.lat_emb = nn.Linear(1, f)
        self.zone_id_emb = nn.Embedding(n_zones, d)
        self.road_gat = Stack([GATv2(d) for _ in range(c["gnnLayers"])])
        self.zone_gcn = Stack([GCN(d) for _ in range(c["gnnLayers"])])

    def forward(self, net):
        x = torch.cat([self.road_id_emb.weight, self.len_emb(net["lenZ"]), self.type_emb(net["typeId"]),
                       self.lon_emb(net["lonZ"]), self.lat_emb(net["latZ"])], 1)
        last = len(self.road_gat.convs) - 1
        for i, conv in enumerate(self.road_gat.convs):
            x = conv(x, net["gatSrc"], net["gatDst"], net["gatAttr"])
            if i < last:
                x = F.relu(x)
        z = self.zone_id_emb.weight
        for i, conv in enumerate(self.zone_gcn.convs):
            z = conv(z, net["gcnSrc"], net["gcnDst"], net["gcnWeight"])
            if i < last:
                z = F.relu(z)
        return x, z


class Attention(nn.Module):
    """Causal self-attention with HOSER's relative spatio-temporal term (relativeAttention.ts)."""

    def __init__(self, D, H):
        super().__init__()
        self.H, self.dh = H, D // H
        self.c_attn = nn.Linear(D, 3 * D)
        self.relative_position_emb_k = nn.Linear(2, self.dh)
        self.relative_position_emb_v = nn.Linear(2, self.dh)
        self.c_proj = nn.Linear(D, D)

    def forward(self, x, dist, gap, mask_add):
        B, T, D = x.shape
        q, k, v = [t.reshape(B, T, self.H, self.dh).permute(0, 2, 1, 3) for t in self.c_attn(x).split(D, 2)]
        content = q @ k.transpose(2, 3)
        # q·Linear(2, dh)(f_ij) = f_ij0 (q·Wk0) + f_ij1 (q·Wk1) + q·bk: never build [B, H, T, T, dh].
        rk = self.relative_position_emb_k
        qk = q @ torch.cat([rk.weight, rk.bias[:, None]], 1)  # [B, H, T, 3]
        rel = qk[..., 0:1] * dist + qk[..., 1:2] * gap + qk[..., 2:3]
        att = torch.softmax((content + rel) * (1 / math.sqrt(self.dh)) + mask_add, -1)
        rv = self.relative_position_emb_v
        rel_out = (att * dist).sum(3, keepdim=True) * rv.weight[:, 0] + (att * gap).sum(3, keepdim=True) * rv.weight[:, 1] + rv.bias
        y = att @ v + rel_out
        return self.c_proj(y.permute(0, 2, 1, 3).reshape(B, T, D))


class Block(nn.Module):
    def __init__(self, D, H, ratio):
        super().__init__()
        self.ln_1 = nn.LayerNorm(D, eps=1e-5)
        self.attn = Attention(D, H)
        self.ln_2 = nn.LayerNorm(D, eps=1e-5)
        self.mlp = nn.Sequential(nn.Linear(D, D * ratio), nn.GELU(), nn.Linear(D * ratio, D))

    def forward(self, x, dist, gap, mask_add):
        x = x + self.attn(self.ln_1(x), dist, gap, mask_add)
        return x + self.mlp(self.ln_2(x))


class Transformer(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.h = nn.ModuleList([Block(traj_dim(c), c["heads"], c["mlpRatio"]) for _ in range(c["layers"])])


class TemporalEncoder(nn.Module):
    def __init__(self, time_dim):
        super().__init__()
        self.freqs = nn.Parameter(torch.zeros(time_dim // 2))
        self.scale = math.sqrt(1 / (2 * time_dim))

    def forward(self, t):
        a = t[:, None] * self.freqs
        return torch.cat([torch.cos(a), torch.sin(a)], 1) * self.scale


class TrajectoryEncoder(nn.Module):
    def __init__(self, c):
        super().__init__()
        d = road_dim(c)
        self.road_zone_fusion_mlp = nn.Sequential(nn.Linear(2 * d, c["fusionHidden"]), nn.GELU(), nn.Linear(c["fusionHidden"], 1))
        self.temporal_encoder = TemporalEncoder(c["timeDim"])
        self.transformer = Transformer(c)

    def forward(self, b, road, zone):
        B, T = b["roadIds"].shape
        r = road[b["roadIds"].reshape(-1)]
        z = zone[b["zoneIds"].reshape(-1)]
        spatial = r + torch.sigmoid(self.road_zone_fusion_mlp(torch.cat([r, z], 1))) * z
        x = torch.cat([spatial, self.temporal_encoder(b["timeFeat"].reshape(-1))], 1).reshape(B, T, -1)
        dev = x.device
        dist = b["distMat"].reshape(B, 1, T, T)
        gap = b["gapMat"].reshape(B, 1, T, T)
        causal = torch.tril(torch.ones(T, T, device=dev, dtype=x.dtype))
        key_valid = (torch.arange(T, device=dev)[None, :] < b["lengths"][:, None]).to(x.dtype)
        mask_add = ((1 - causal[None] * key_valid[:, None, :]) * NEG)[:, None]
        for blk in self.transformer.h:
            x = blk(x, dist, gap, mask_add)
        return x.reshape(B * T, -1)


class Navigator(nn.Module):
    def __init__(self, c):
        super().__init__()
        d, D, m, nav, th = road_dim(c), traj_dim(c), c["metricDim"], c["navDim"], c["timeHidden"]
        self.q_proj = nn.Linear(D + d, nav, bias=False)
        # Route-aware candidate features (StudentConfig.routeFeatures): [delay, unreachable] → m, a third key part.
        self.route = bool(c.get("routeFeatures"))
        self.route_width = route_width(c.get("routeFeatures"))
        self.k_proj = nn.Linear(d + (3 if self.route else 2) * m, nav, bias=False)
        self.v_proj = nn.Linear(nav, 1, bias=False)
        self.metric_distance_proj = nn.Linear(1, m)
        self.metric_angle_proj = nn.Linear(1, m)
        if self.route:
            self.metric_route_proj = nn.Linear(self.route_width, m)
        self.time_estimator_linear_1 = nn.Linear(D, th)
        self.time_estimator_linear_2 = nn.Linear(d, th)
        self.time_estimator_linear_3 = nn.Linear(2 * th, 1)

    def forward(self, h, b, road, zone):
        N, C = b["candIds"].shape
        q = self.q_proj(torch.cat([h, zone[b["destZone"]]], 1))
        cand = road[b["candIds"].reshape(-1)]
        feat = b["candFeat"].reshape(N * C, 2)
        parts = [cand, self.metric_distance_proj(feat[:, 0:1]), self.metric_angle_proj(feat[:, 1:2])]
        if self.route:
            if "candRoute" not in b:
                raise TDError("this student reads route features, and the export has none "
                              "(write it with `npm run cli -- export torch … --route-features`)")
            parts.append(self.metric_route_proj(b["candRoute"].reshape(N * C, self.route_width)))
        k = self.k_proj(torch.cat(parts, 1))
        raw = self.v_proj(torch.tanh(k.reshape(N, C, -1) + q[:, None])).reshape(N, C)
        mask = b["candMask"]
        logits = raw * mask + (1 - mask) * NEG
        th = self.time_estimator_linear_1.out_features
        t_traj = self.time_estimator_linear_1(h)[:, None].expand(N, C, th)
        t_cand = self.time_estimator_linear_2(cand).reshape(N, C, th)
        time_pred = self.time_estimator_linear_3(F.gelu(torch.cat([t_traj, t_cand], 2))).reshape(N, C)
        return logits, time_pred


def route_width(spec):
    """Route inputs per candidate (remainingTimes.ts routeFeatureWidth): [delay, unreachable], then
    [Markov gap, log1p count] when the spec names a Markov chain, then [zone gap] with zonePlan;
    0 without route features."""
    if not spec:
        return 0
    return 2 + (2 if spec.get("markov") else 0) + (1 if spec.get("zonePlan") else 0)


def check_route_features(config, export):
    """Refuses, with the reason, a student that reads route features on an export without them
    (or with other speeds): the features come from the export (`export torch --route-features`)."""
    want = config.get("routeFeatures")
    if want and export.route_features != want:
        have = export.route_features or "none"
        raise TDError(f"this student reads route features on {want}, and the export has {have} "
                      f"(write it with `npm run cli -- export torch … --route-features`)")


class Student(nn.Module):
    """forward(net, batch) → (logits [N, C] with −1e9 on padding, normalised log1p-seconds [N, C])."""

    def __init__(self, config, n_roads, n_types, n_zones):
        super().__init__()
        self.config = dict(config)
        D = traj_dim(config)
        if D % config["heads"]:
            raise ValueError(f"trajectory width {D} is not divisible by {config['heads']} heads")
        self.road_network_encoder = RoadNetworkEncoder(config, n_roads, max(1, n_types), max(1, n_zones))
        self.trajectory_encoder = TrajectoryEncoder(config)
        self.navigator = Navigator(config)
        self.init_like_ours()

    def init_like_ours(self):
        """Initial distributions of layers.ts (not its random stream): N(0, 1) embeddings (torch's
        default) and frequencies, torch's Linear default, Glorot for the graph layers, zero GNN biases."""
        nn.init.normal_(self.trajectory_encoder.temporal_encoder.freqs)
        enc = self.road_network_encoder
        for conv in enc.road_gat.convs:
            for lin in (conv.lin_l, conv.lin_r, conv.lin_edge):
                nn.init.xavier_uniform_(lin.weight)
            d = conv.att.shape[-1]
            nn.init.uniform_(conv.att, -math.sqrt(6 / (d + 1)), math.sqrt(6 / (d + 1)))
        for conv in enc.zone_gcn.convs:
            nn.init.xavier_uniform_(conv.lin.weight)

    def encoder_parameters(self):
        return list(self.road_network_encoder.parameters())

    def encode_network(self, net):
        return self.road_network_encoder(net)

    def forward(self, net, b, enc=None):
        road, zone = self.encode_network(net) if enc is None else enc
        h = self.trajectory_encoder(b, road, zone)[b["stepPos"]]
        return self.navigator(h, b, road, zone)
