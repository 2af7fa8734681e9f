#!/usr/bin/env bash
# The main job on the default data and model, from a fresh clone: installs what is missing, builds in release mode,
# embeds the GSM8K train questions with all-MiniLM-L6-v2 and shows, for 3 test questions, the 3 most similar train
# questions by cosine similarity; then builds the GSM8K train index, answers one question with its nearest solved
# problems, fine-tunes a LoRA adapter for a few minutes on GSM8K question/solution pairs, reports retrieval
# metrics on gsm8k-qa of the base encoder and of the encoder with the adapter side by side, and has the Qwen proxy
# solve 3 GSM8K test questions prompted with the 4 nearest solved problems.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh all-MiniLM-L6-v2 Qwen2.5-Coder-0.5B-Instruct
swift build -c release --product exemplar
B=.build/release/exemplar
LORA_STEPS=${LORA_STEPS:-40}   # a few minutes on 2 cores
mkdir -p runs/quickstart

echo "== Embedding the 7473 GSM8K train questions (all-MiniLM-L6-v2)"
$B embed --model models/all-MiniLM-L6-v2 --input data/gsm8k/train.jsonl --field question --output runs/quickstart/train-questions.npy

echo
echo "== Nearest solved problems for 3 GSM8K test questions"
$B nearest --model models/all-MiniLM-L6-v2 --corpus data/gsm8k/train.jsonl --queries data/gsm8k/test.jsonl \
  --field question --limit 3 -k 3

echo
echo "== Indexing the GSM8K train solved problems (FAISS + SQLite under indexes/, configs/index-gsm8k.yaml)"
$B index build --config configs/index-gsm8k.yaml

echo
echo "== The solved problems nearest to a new question"
$B search --index gsm8k-train -k 3 "A bakery sells 24 muffins a day at \$3 each. How much money does it make in a week?"

echo
echo "== LoRA fine-tuning on GSM8K question -> solution pairs (configs/encoder-gsm8k.yaml, first $LORA_STEPS of its 234 steps)"
# The issue's recipe (r 8, alpha 16, dropout 0.1, batch 32, lr 2e-4, 10% warm-up then linear decay), cut short; drop
# the max_steps override for the whole epoch. Writes runs/quickstart/lora/ (metrics.jsonl, loss.svg, adapter/).
$B train-encoder --config configs/encoder-gsm8k.yaml --set output_dir=runs/quickstart --set name=lora \
  --set training.max_steps=$LORA_STEPS --set training.checkpoint_every=1000 --set training.eval_every=null \
  > runs/quickstart/lora-summary.json
grep -E '"(pairs_per_s|gflops|peak_rss_mib|loss_first10_mean|loss_last10_mean|wall_s)"' runs/quickstart/lora-summary.json

echo
echo "== Retrieval on gsm8k-qa (1319 test questions -> their solutions): base encoder vs. with the LoRA adapter"
$B eval retrieval --model models/all-MiniLM-L6-v2 --task gsm8k-qa > runs/quickstart/eval-base.md
$B eval retrieval --model models/all-MiniLM-L6-v2 --adapter runs/quickstart/lora/adapter --task gsm8k-qa \
  > runs/quickstart/eval-lora.md
# The two Markdown tables joined on their metric column (recall, MRR and nDCG rows; the files hold every metric).
awk -F'|' -v steps="$LORA_STEPS" '
  NR == FNR { if ($2 ~ /[a-z]/) base[$2] = $3; next }
  /^\| metric/ { print "| metric | base | + LoRA (" steps " steps) |"; next }
  /^\|---/ { print "|---|---:|---:|"; next }
  $2 ~ /queries|recall|mrr|ndcg/ { print "|" $2 "|" base[$2] "|" $3 "|" }' runs/quickstart/eval-base.md runs/quickstart/eval-lora.md

echo
echo "== Qwen2.5-Coder-0.5B-Instruct on 3 GSM8K test questions, each after its 4 nearest solved train problems"
rm -rf runs/quickstart/gsm8k   # a fresh run each time (the directory would otherwise resume: nothing left to do)
$B eval gsm8k --model models/Qwen2.5-Coder-0.5B-Instruct --limit 3 --shots 4 --shot-selection retrieved \
  --index gsm8k-train --out runs/quickstart/gsm8k --show-outputs   # each solution with its verdict, then the summary
