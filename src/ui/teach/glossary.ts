// Hover explanations of every term the teaching view shows (plain words first, then the formula).
import { THESIS_RECIPE } from '../../lib/train/recipe';

export const GLOSSARY = {
  teacher:
    'The teacher is LM-TAD: a small GPT that reads a trip as a sentence of grid cells and predicts the next cell. It was trained to spot unusual trips, not to plan routes — but it knows where cars usually go next.',
  student:
    'The student is HOSER: a route model that, at every road, scores the few roads you can turn onto next (the candidates) knowing the destination. Distillation trains it with the teacher’s opinion as extra advice.',
  vanilla: 'The vanilla student was trained only on the true next roads (cross-entropy). Same architecture, same data, no teacher.',
  distilled: 'The distilled student was trained on the true next roads plus the teacher’s softened opinion (loss = CE + λ·τ²·KL).',
  psi: 'ψ (psi) maps a road to the grid cell that holds its centre. The teacher only knows cells, so its opinion about a road is its probability for that road’s cell ψ(c). Two roads in one cell get the same teacher probability.',
  window: 'The teacher sees only the last w cells of the trip so far (w = window). Older cells are cut off, as in the thesis.',
  candidates:
    'Candidates: the roads the car can legally take next (out-links of the current road in the road graph). The student picks among them; the teacher’s opinion is read off at their cells.',
  qraw: 'q̃(c): the teacher’s raw probability of cell ψ(c) as the next cell, out of ~8,000 cells. Usually tiny numbers, because most of its mass sits on other cells.',
  qtau: 'q^τ(c) ∝ exp(log q̃(c) / τ): the teacher’s probabilities kept only for the candidates, renormalised to sum to 1 and softened by the temperature τ.',
  ptau: 'p^τ(c) = softmax(z/τ): the student’s probabilities over the candidates from its scores (logits) z, softened by the same temperature.',
  tau: `Temperature τ divides the log-probabilities before renormalising. τ = 1 keeps them; τ > 1 flattens them so the runners-up become visible (“dark knowledge”); τ < 1 sharpens them. Thesis optimum τ = ${THESIS_RECIPE.tau}.`,
  lambda: `λ weighs the teacher’s term in the training loss L = CE + λ·τ²·KL. λ = 0 is plain training. The thesis optimum λ = ${THESIS_RECIPE.lambda} is small because τ²·KL is summed differently from CE; what matters is the teacher’s share of the total.`,
  entropy:
    'Entropy H(p) = −Σ p log p, in nats: 0 when one road gets everything, ln C when all C candidates are equally likely. Higher = softer, less certain.',
  kl: 'KL(q^τ ‖ p^τ) = Σ q^τ log(q^τ / p^τ): how much the student’s distribution differs from the teacher’s, weighted by where the teacher puts its mass. 0 when they agree.',
  klScaled:
    'τ²·KL: the distillation term of the loss. Softening shrinks gradients by about 1/τ², so the τ² keeps the teacher’s influence comparable across temperatures (Hinton et al.).',
  ce: 'CE = −log p¹(true road): the usual training signal. Only the single true next road counts; it says nothing about how good the other roads were.',
  lambdaKl: 'λ·τ²·KL: what the teacher’s term actually contributes to this step’s loss.',
  push: 'Push τ·(q^τ − p^τ): the negative gradient of τ²·KL with respect to each candidate’s logit. Green: training raises that road’s score; red: lowers it. The pushes sum to zero — probability is moved, not created.',
  cePush: 'The label’s push: 1 − p for the true road, −p for the others. It only ever lifts the road the driver took.',
  surprisal:
    'Surprisal −ln p(next cell | cells so far): how unexpected each step of the trip is to the teacher. LM-TAD’s anomaly score is its mean over the trip.',
  anomaly:
    'Anomaly score = mean surprisal over the trip (log-perplexity). Normal trips score low; detours through unusual cells score high.',
  detour:
    'A synthetic detour (LM-TAD paper): a contiguous run of the trip’s cells is shifted by a few cells (level) in one direction; the endpoints stay.',
  auc: 'AUC: the chance that a detoured trip scores higher than a normal one. 0.5 = the teacher cannot tell them apart; 1 = perfectly.',
  share: 'Teacher share = λ·τ²·KL / (CE + λ·τ²·KL): how much of this step’s loss — and roughly of its gradient — comes from the teacher.',
} as const;

export type GlossaryKey = keyof typeof GLOSSARY;
