// Tensor names and layouts in our safetensors checkpoints.
//
// Each of our variables that has a counterpart in the original PyTorch code is stored under that
// module's state_dict key and in torch's layout, so that official LM-TAD / HOSER weights can be
// read by name later (and our files opened with torch's load_state_dict, strict=False). The table:
//
// LM-TAD teacher (jonathankabala/LMTAD, code/models/LMTAD.py; bias=False everywhere)
//   wte                  transformer.wte.weight                 [V, C]         as is
//   wpe                  transformer.wpe.weight                 [block, C]     as is
//   h{l}/ln_1            transformer.h.{l}.ln_1.weight          [C]            as is
//   h{l}/attn/c_attn     transformer.h.{l}.attn.c_attn.weight   [3C, C]        transposed
//   h{l}/attn/c_proj     transformer.h.{l}.attn.c_proj.weight   [C, C]         transposed
//   h{l}/ln_2            transformer.h.{l}.ln_2.weight          [C]            as is
//   h{l}/mlp/c_fc        transformer.h.{l}.mlp.c_fc.weight      [4C, C]        transposed
//   h{l}/mlp/c_proj      transformer.h.{l}.mlp.c_proj.weight    [C, 4C]        transposed
//   ln_f                 transformer.ln_f.weight                [C]            as is
//   (lm_head.weight is tied to wte in LM-TAD and is not stored.)
//
// HOSER student (caoji2001/HOSER models/*.py; prefixes R = road_network_encoder,
// T = trajectory_encoder, N = navigator; "Linear" = .weight transposed to [out, in] + .bias)
//   road/id/table           R.road_id_emb.weight                  as is
//   road/len|lon|lat        R.len_emb|lon_emb|lat_emb             Linear
//   road/type/table         R.type_emb.weight                     as is
//   zone/id/table           R.zone_id_emb.weight                  as is
//   road/gat{l}/lin_l|lin_r R.road_gat.convs.{l}.lin_l|lin_r      Linear (PyG GATv2Conv)
//   road/gat{l}/lin_edge/w  R.road_gat.convs.{l}.lin_edge.weight  transposed (no bias)
//   road/gat{l}/att [out,1] R.road_gat.convs.{l}.att [1,1,out]    reshaped (heads = 1)
//   road/gat{l}/bias        R.road_gat.convs.{l}.bias             as is
//   zone/gcn{l}/w           R.zone_gcn.convs.{l}.lin.weight       transposed (PyG GCNConv)
//   zone/gcn{l}/bias        R.zone_gcn.convs.{l}.bias             as is
//   traj/fuse1|fuse2        T.road_zone_fusion_mlp.0|2            Linear
//   traj/freqs              T.temporal_encoder.freqs              as is
//   traj/block{l}/ln1|ln2   T.transformer.h.{l}.ln_1|ln_2         gamma→.weight, beta→.bias
//   traj/block{l}/qkv       T.transformer.h.{l}.attn.c_attn       Linear
//   traj/block{l}/relK|relV T.transformer.h.{l}.attn.relative_position_emb_k|_v  Linear
//   traj/block{l}/proj      T.transformer.h.{l}.attn.c_proj       Linear
//   traj/block{l}/fc|out    T.transformer.h.{l}.mlp.0|2           Linear
//   nav/q|k|v/w             N.q_proj|k_proj|v_proj.weight         transposed (no bias)
//   nav/metricDis|Angle     N.metric_distance_proj|metric_angle_proj  Linear
//   time/traj|cand|out      N.time_estimator_linear_1|_2|_3       Linear
//
// The correspondence is by role and shape; our sizes are smaller than the papers' and a few
// computations differ, so loading official weights still needs configs that match.
// A variable with no entry here is stored under its own name ("student/…") in our layout.
// Our internal names carry the model prefix ("teacher/", "student/"); torch names do not, so the
// prefix travels in the file's metadata.

/** How a stored tensor relates to ours: same data, [in,out]→[out,in], or a reshape. */
export type TorchLayout = 'same' | 'transpose' | 'reshape';

export interface TorchSpec {
  name: string;
  layout: TorchLayout;
}

interface Rule {
  /** Our name without the model prefix; `{l}` is a layer index. */
  ours: string;
  torch: string;
  layout: TorchLayout;
}

const rule = (ours: string, torch: string, layout: TorchLayout = 'same'): Rule => ({ ours, torch, layout });
/** Our dense layer `ours/{w,b}` ↔ torch nn.Linear `torch.{weight,bias}`. */
const linear = (ours: string, torch: string): Rule[] => [
  rule(`${ours}/w`, `${torch}.weight`, 'transpose'),
  rule(`${ours}/b`, `${torch}.bias`),
];

const TEACHER_RULES: Rule[] = [
  rule('wte', 'transformer.wte.weight'),
  rule('wpe', 'transformer.wpe.weight'),
  rule('h{l}/ln_1', 'transformer.h.{l}.ln_1.weight'),
  rule('h{l}/attn/c_attn', 'transformer.h.{l}.attn.c_attn.weight', 'transpose'),
  rule('h{l}/attn/c_proj', 'transformer.h.{l}.attn.c_proj.weight', 'transpose'),
  rule('h{l}/ln_2', 'transformer.h.{l}.ln_2.weight'),
  rule('h{l}/mlp/c_fc', 'transformer.h.{l}.mlp.c_fc.weight', 'transpose'),
  rule('h{l}/mlp/c_proj', 'transformer.h.{l}.mlp.c_proj.weight', 'transpose'),
  rule('ln_f', 'transformer.ln_f.weight'),
  rule('dest_rel', 'transformer.dest_rel.weight', 'transpose'),
];

const R = 'road_network_encoder';
const T = 'trajectory_encoder';
const N = 'navigator';
const STUDENT_RULES: Rule[] = [
  rule('road/id/table', `${R}.road_id_emb.weight`),
  ...linear('road/len', `${R}.len_emb`),
  rule('road/type/table', `${R}.type_emb.weight`),
  ...linear('road/lon', `${R}.lon_emb`),
  ...linear('road/lat', `${R}.lat_emb`),
  rule('zone/id/table', `${R}.zone_id_emb.weight`),
  ...linear('road/gat{l}/lin_l', `${R}.road_gat.convs.{l}.lin_l`),
  ...linear('road/gat{l}/lin_r', `${R}.road_gat.convs.{l}.lin_r`),
  rule('road/gat{l}/lin_edge/w', `${R}.road_gat.convs.{l}.lin_edge.weight`, 'transpose'),
  rule('road/gat{l}/att', `${R}.road_gat.convs.{l}.att`, 'reshape'),
  rule('road/gat{l}/bias', `${R}.road_gat.convs.{l}.bias`),
  rule('zone/gcn{l}/w', `${R}.zone_gcn.convs.{l}.lin.weight`, 'transpose'),
  rule('zone/gcn{l}/bias', `${R}.zone_gcn.convs.{l}.bias`),
  ...linear('traj/fuse1', `${T}.road_zone_fusion_mlp.0`),
  ...linear('traj/fuse2', `${T}.road_zone_fusion_mlp.2`),
  rule('traj/freqs', `${T}.temporal_encoder.freqs`),
  rule('traj/block{l}/ln1/gamma', `${T}.transformer.h.{l}.ln_1.weight`),
  rule('traj/block{l}/ln1/beta', `${T}.transformer.h.{l}.ln_1.bias`),
  ...linear('traj/block{l}/qkv', `${T}.transformer.h.{l}.attn.c_attn`),
  ...linear('traj/block{l}/relK', `${T}.transformer.h.{l}.attn.relative_position_emb_k`),
  ...linear('traj/block{l}/relV', `${T}.transformer.h.{l}.attn.relative_position_emb_v`),
  ...linear('traj/block{l}/proj', `${T}.transformer.h.{l}.attn.c_proj`),
  rule('traj/block{l}/ln2/gamma', `${T}.transformer.h.{l}.ln_2.weight`),
  rule('traj/block{l}/ln2/beta', `${T}.transformer.h.{l}.ln_2.bias`),
  ...linear('traj/block{l}/fc', `${T}.transformer.h.{l}.mlp.0`),
  ...linear('traj/block{l}/out', `${T}.transformer.h.{l}.mlp.2`),
  rule('nav/q/w', `${N}.q_proj.weight`, 'transpose'),
  rule('nav/k/w', `${N}.k_proj.weight`, 'transpose'),
  rule('nav/v/w', `${N}.v_proj.weight`, 'transpose'),
  ...linear('nav/metricDis', `${N}.metric_distance_proj`),
  ...linear('nav/metricAngle', `${N}.metric_angle_proj`),
  ...linear('nav/metricRoute', `${N}.metric_route_proj`),
  ...linear('time/traj', `${N}.time_estimator_linear_1`),
  ...linear('time/cand', `${N}.time_estimator_linear_2`),
  ...linear('time/out', `${N}.time_estimator_linear_3`),
];

export type ModelFamily = 'teacher' | 'student';

const RULES: Record<ModelFamily, Rule[]> = { teacher: TEACHER_RULES, student: STUDENT_RULES };

function pattern(template: string): RegExp {
  const escaped = template.replace(/[.*+?^${}()|[\]\\/]/g, (c) => (c === '{' || c === '}' ? c : `\\${c}`));
  return new RegExp(`^${escaped.replace('{l}', '(\\d+)')}$`);
}

const COMPILED: Record<ModelFamily, { rule: Rule; ours: RegExp; torch: RegExp }[]> = {
  teacher: TEACHER_RULES.map((r) => ({ rule: r, ours: pattern(r.ours), torch: pattern(r.torch) })),
  student: STUDENT_RULES.map((r) => ({ rule: r, ours: pattern(r.ours), torch: pattern(r.torch) })),
};

/** The torch name and layout of our variable `local` (name without the model prefix), or null. */
export function torchSpecOf(family: ModelFamily, local: string): TorchSpec | null {
  for (const c of COMPILED[family]) {
    const m = c.ours.exec(local);
    if (m) return { name: c.rule.torch.replace('{l}', m[1] ?? ''), layout: c.rule.layout };
  }
  return null;
}

/** Our local name and layout for a stored torch name, or null when it is not a mapped name. */
export function localNameOf(family: ModelFamily, torchName: string): { local: string; layout: TorchLayout } | null {
  for (const c of COMPILED[family]) {
    const m = c.torch.exec(torchName);
    if (m) return { local: c.rule.ours.replace('{l}', m[1] ?? ''), layout: c.rule.layout };
  }
  return null;
}

/** The rule table, for documentation and tests. */
export function torchRules(family: ModelFamily): readonly { ours: string; torch: string; layout: TorchLayout }[] {
  return RULES[family];
}

/** Shape of our [a, b] tensor once stored with `layout`. */
export function storedShape(shape: readonly number[], layout: TorchLayout): number[] {
  if (layout === 'transpose') {
    if (shape.length !== 2) throw new Error(`cannot transpose a tensor of shape [${shape}]`);
    return [shape[1], shape[0]];
  }
  if (layout === 'reshape') return [1, 1, shape.reduce((a, b) => a * b, 1)];
  return shape.slice();
}

/** Our shape back from a stored shape (the inverse of storedShape). */
export function ourShape(stored: readonly number[], layout: TorchLayout): number[] {
  if (layout === 'transpose') {
    if (stored.length !== 2) throw new Error(`a transposed tensor must be 2-D, got [${stored}]`);
    return [stored[1], stored[0]];
  }
  if (layout === 'reshape') return [stored.reduce((a, b) => a * b, 1), 1];
  return stored.slice();
}

/** Row-major transpose of a [rows, cols] matrix. */
export function transpose2d(data: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(data.length);
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    for (let c = 0; c < cols; c++) out[c * rows + r] = data[base + c];
  }
  return out;
}
