#!/usr/bin/env python3
"""Broken variants of ADEPT, each against the test that must catch it.

Clones the repository's HEAD into a temporary folder, applies one mutation at a time (a deliberately broken ADEPT:
multipliers never installed, importance measured on domain text, copies appended at the end, ...), runs the test class
named for it, and reports CAUGHT (the test failed, as it must) or MISSED. Nothing in the working tree is touched.

    python3 scripts/mutation-check.py [--out mutation-check.json] [NAME ...]

About 30 minutes on 2 cores for all 43 of them (the end-to-end ones are the longest). Each mutation's text must occur
exactly once in its file: when the code moves on, the script says so instead of testing nothing.
"""
import json
import os
import subprocess
import sys
import tempfile

# name: (file, text to find, replacement, module, test class)
MUTATIONS = {
    'yarn-without-the-site-files': ('spark/src/main/java/io/adept4j/spark/SparkContexts.java',
        'for (File dir : confDirs) {',
        'for (File dir : List.<File>of()) {',
        'spark', 'SparkContextsTest'),
    'yarn-containers-without-the-jars': ('spark/src/main/java/io/adept4j/spark/SparkContexts.java',
        'jars.add("local:" + e);',
        'jars.add("local:" + e.replace(".jar", ".missing"));',
        'spark', 'SparkSweepTest#candidatesInYarnContainersGiveTheLocalResults'),
    'replicate-memo-ignores-the-domain': ('plugin/src/main/java/io/adept4j/run/ReplicateMemo.java',
        '+ BaseProvenance.corpusSha256(domain) + "|model="',
        '+ "|model="',
        'plugin', 'ReplicateMemoTest'),
    'replicate-memo-ignores-probe-batches': ('plugin/src/main/java/io/adept4j/run/ReplicateMemo.java',
        '"evalEvery", "evalBatches",',
        '"evalEvery", "evalBatches", "probeBatches",',
        'plugin', 'ReplicateMemoTest'),
    'replicate-memo-before-of-the-other-corpus': ('plugin/src/main/java/io/adept4j/run/AdeptRun.java',
        'Perplexity.Result dBefore = known == null ? null : known.domain();',
        'Perplexity.Result dBefore = known == null ? null : known.general();',
        'plugin', 'ReplicateMemoTest'),
    'rope-transpose-wrong-sine': ('plugin/src/main/java/io/adept4j/model/VectorKernels.java',
        'int sinA = backward ? thi : tlo;',
        'int sinA = backward ? tlo : tlo;',
        'plugin', 'KernelsTest'),
    'executors-without-the-vector-module': ('spark/src/main/java/io/adept4j/spark/SparkContexts.java',
        'if (a.startsWith("--add-opens") || a.startsWith("--add-exports") || a.startsWith("--add-modules")',
        'if (a.startsWith("--add-opens") || a.startsWith("--add-exports")',
        'spark', 'SparkSweepTest'),
    'head-block-scale-misaligned': ('plugin/src/main/java/io/adept4j/model/LmHead.java',
        'float[] ms = Arrays.copyOfRange(mask, from, to);',
        'float[] ms = Arrays.copyOfRange(mask, 0, to - from);',
        'plugin', 'LmHeadTest'),
    'label-probability-drops-the-tail': ('plugin/src/main/java/io/adept4j/model/VectorKernels.java',
        'float inv = 1f / expSum(b, from, len, max, 1f, false);',
        'float inv = 1f / expSum(b, from, len - 1, max, 1f, false);',
        'plugin', 'KernelsTest'),
    'shards-averaged-unweighted': ('plugin/src/main/java/io/adept4j/model/CausalLm.java',
        'double w = p.tokens() / tokens;',
        'double w = 1.0 / parts.size();',
        'plugin', 'BatchShardsTest'),
    'direct-silu-derivative': ('plugin/src/main/java/io/adept4j/model/Kernels.java',
        'INDArray dSilu = sig.rsub(1.0).muli(gate).addi(1.0).muli(sig);',
        'INDArray dSilu = sig.rsub(1.0).muli(gate).addi(0.5).muli(sig);',
        'plugin', 'DirectPassTest'),
    'vector-silu-derivative': ('plugin/src/main/java/io/adept4j/model/VectorKernels.java',
        'store(da.mul(load(up, i)).mul(s).mul(one.add(g.mul(one.sub(s)))), dGate, i);',
        'store(da.mul(load(up, i)).mul(s).mul(one.add(g.mul(s))), dGate, i);',
        'plugin', 'KernelsTest'),
    'vector-exp-of-the-api': ('plugin/src/main/java/io/adept4j/model/VectorKernels.java',
        '        x = x.max(EXP_MIN).min(EXP_MAX);\n        FloatVector t',
        '        if (x != null) {\n            return x.lanewise(VectorOperators.EXP);\n        }\n        FloatVector t',
        'plugin', 'KernelsTest'),
    'vector-norm-gradient-sign': ('plugin/src/main/java/io/adept4j/model/VectorKernels.java',
        'store(load(dy, from + j).mul(load(w, j)).sub(n.mul(dot)).mul(inv), dx, from + j);',
        'store(load(dy, from + j).mul(load(w, j)).add(n.mul(dot)).mul(inv), dx, from + j);',
        'plugin', 'KernelsTest'),
    'vector-attention-not-causal': ('plugin/src/main/java/io/adept4j/model/Kernels.java',
        'VectorKernels.softmax(b, r * t, r % t + 1, t, s);',
        'VectorKernels.softmax(b, r * t, t, t, s);',
        'plugin', 'KernelsTest'),
    'direct-residual-dropped': ('plugin/src/main/java/io/adept4j/model/DirectPass.java',
        'return wantInput ? dIn.addi(dMid) : null;',
        'return wantInput ? dIn : null;',
        'plugin', 'DirectPassTest'),
    'sharded-probe-drops-batches': ('spark/src/main/java/io/adept4j/spark/SparkProbing.java',
        'mine.stream().map(Numbered::batch).iterator(), mine.get(0).index())',
        'mine.subList(0, 1).stream().map(Numbered::batch).iterator(), mine.get(0).index())',
        'spark', 'SparkProbingTest'),
    'sharded-importance-one-shard': ('spark/src/main/java/io/adept4j/spark/SparkProbing.java',
        'shards.forEach(all::merge);',
        'all.merge(shards.get(0));',
        'spark', 'SparkProbingTest'),
    'split-state-reset-on-workers': ('plugin/src/main/java/io/adept4j/stage2/SplitLearningRateGradientUpdater.java',
        '        if (initialize) {\n            multipliers.assign(1.0);\n        }',
        '        multipliers.assign(1.0);',
        'spark', 'SparkAdeptGraphTest'),
    'head-underflow-unguarded': ('plugin/src/main/java/io/adept4j/model/LmHead.java',
        'double nll = p >= MIN_PROBABILITY ? -Math.log(p) : rowNll(hidden, weight, first + i, labels[i]);',
        'double nll = -Math.log(p);',
        'plugin', 'LmHeadTest'),
    'multipliers-not-installed': ('plugin/src/main/java/io/adept4j/samediff/ImportanceRefresh.java',
        '            ((SplitLearningRateGradientUpdater) opt.updater(t, model.tensor(t))).setMultipliers(m.perElement().get(t));',
        '            // broken: multipliers never installed',
        'plugin', 'DecoupledTuningTest'),
    'importance-on-domain': ('plugin/src/main/java/io/adept4j/samediff/TuningData.java',
        'NextTokenDataSetIterator probeIt = new NextTokenDataSetIterator(generalTrain,',
        'NextTokenDataSetIterator probeIt = new NextTokenDataSetIterator(domainTrain,',
        'plugin', 'DecoupledTuningTest'),
    'lowest-delta-reversed': ('plugin/src/main/java/io/adept4j/stage1/ProbeResult.java',
        'sorted(Comparator.comparingDouble(Layer::deltaLoss).thenComparingInt(Layer::index))',
        'sorted(Comparator.comparingDouble(Layer::deltaLoss).reversed().thenComparingInt(Layer::index))',
        'plugin', 'StageOneTest'),
    'copies-appended-at-end': ('plugin/src/main/java/io/adept4j/samediff/SelectiveExpander.java',
        '            if (chosen.contains(i)) {\n                copies.add(sources.size());\n                blocks.add(new ExpansionManifest.Block(sources.size(), i, true));\n                sources.add(i);\n            }\n        }',
        '        }\n        for (int i = 0; i < c.numLayers(); i++) {\n            if (chosen.contains(i)) {\n                copies.add(sources.size());\n                blocks.add(new ExpansionManifest.Block(sources.size(), i, true));\n                sources.add(i);\n            }\n        }',
        'plugin', 'StageOneTest'),
    'copies-train-only-outputs': ('plugin/src/main/java/io/adept4j/samediff/SelectiveExpander.java',
        'trainable.addAll(LlamaLayout.blockTensors(restacked.getKey(), b.index()).keySet());',
        'trainable.addAll(LlamaLayout.outputProjections(b.index()));',
        'plugin', 'StageOneTest'),
    'neuron-wrong-axis': ('plugin/src/main/java/io/adept4j/stage2/WeightLayout.java',
        'return this == IN_OUT && shape.length == 2 ? 1 : 0;',
        'return shape.length == 2 ? 1 : 0;',
        'plugin', 'ImportanceAndPolicyTest'),
    'graph-rows-as-neurons': ('plugin/src/main/java/io/adept4j/stage2/WeightLayout.java',
        'return this == IN_OUT && shape.length == 2 ? 1 : 0;',
        'return 0;',
        'plugin', 'GraphAdeptTest'),
    'seed-scaled': ('plugin/src/main/java/io/adept4j/samediff/UnitImportance.java',
        'out.put(name, importance.get(src).dup());',
        'out.put(name, importance.get(src).mul(2));',
        'plugin', 'ImportanceAndPolicyTest'),
    'unit-sum': ('plugin/src/main/java/io/adept4j/stage2/Granularity.java',
        'yield elements.mean(others).reshape(elements.size(axis));',
        'yield elements.sum(others).reshape(elements.size(axis));',
        'plugin', 'GraphAdeptTest'),
    'graph-decay-allowed': ('plugin/src/main/java/io/adept4j/graph/AdeptGraph.java',
        '        GraphAdept.requireNoPostUpdaterDecay(base);\n',
        '',
        'plugin', 'GraphAdeptTest'),
    'probe-sees-validation': ('plugin/src/main/java/io/adept4j/samediff/LayerProber.java',
        'TokenWindows.build("general", split.trainDocs(), tokenizer,',
        'TokenWindows.build("general", java.util.stream.Stream.concat(split.validationDocs().stream(), split.trainDocs().stream()).toList(), tokenizer,',
        'plugin', 'AdeptTest'),
    'no-stage2-decoupled': ('plugin/src/main/java/io/adept4j/run/RunConfig.java',
        '.policy(decoupled ? Policy.parse(str("policy")) : Policy.UNIFORM)',
        '.policy(Policy.parse(str("policy")))',
        'tests', 'DemoEndToEndTest'),
    'graph-shared-batches': ('plugin/src/main/java/io/adept4j/graph/GraphAdept.java',
        'List<DataSet> generalVal = generalBatches.subList(cfg.probeBatches(), generalBatches.size());',
        'List<DataSet> generalVal = generalBatches.subList(0, Math.min(cfg.evalBatches(), generalBatches.size()));',
        'plugin', 'GraphAdeptTest'),
    'default-policy-global-min-max': ('plugin/src/main/java/io/adept4j/stage2/Policy.java',
        'case RANK -> new ContinuousPolicy(ContinuousPolicy.Normalization.RANK, ContinuousPolicy.Scope.TENSOR);',
        'case RANK -> new ContinuousPolicy(ContinuousPolicy.Normalization.MIN_MAX, ContinuousPolicy.Scope.ALL);',
        'tests', 'ShippedBaseTest'),
    'importance-before-step-0': ('plugin/src/main/java/io/adept4j/samediff/AdeptTrainer.java',
        '(step == 0 && cfg.initialProbe())',
        'step == 0',
        'plugin', 'DecoupledTuningTest'),
    'lr-search-ignored': ('plugin/src/main/java/io/adept4j/run/AdeptRun.java',
        '.learningRate(chosenRate(searches, m.name())).build();',
        '.learningRate(cfg.real("learningRate")).build();',
        'tests', 'DemoEndToEndTest'),
    'shield-trains-important': ('plugin/src/main/java/io/adept4j/run/Methods.java',
        'java.util.Comparator.<Integer>comparingDouble(j -> column[j])',
        'java.util.Comparator.<Integer>comparingDouble(j -> -column[j])',
        'plugin', 'FreezingBaselinesTest'),
    'frozen-mask-ignored': ('plugin/src/main/java/io/adept4j/samediff/AdeptTrainer.java',
        '            ((SplitLearningRateGradientUpdater) opt.updater(e.getKey(), model.tensor(e.getKey()))).setMultipliers(e.getValue());',
        '            // broken: the mask is never installed',
        'plugin', 'FreezingBaselinesTest'),
    'lora-b-not-zero': ('plugin/src/main/java/io/adept4j/model/LoraAdapters.java',
        'if (name.endsWith(".lora_B.weight")) {',
        'if (name.endsWith(".lora_B.weight") && false) {',
        'plugin', 'LoraBaselineTest'),
    'lora-merge-unscaled': ('plugin/src/main/java/io/adept4j/model/LoraAdapters.java',
        'w = w.add(ba.muli(scale()));',
        'w = w.add(ba);',
        'plugin', 'LoraBaselineTest'),
    'mc-position-off-by-one': ('plugin/src/main/java/io/adept4j/eval/MultipleChoice.java',
        'INDArray row = logits.get(NDArrayIndex.point(b), NDArrayIndex.point(k - 1), NDArrayIndex.all())',
        'INDArray row = logits.get(NDArrayIndex.point(b), NDArrayIndex.point(Math.min(k, t - 1)), NDArrayIndex.all())',
        'plugin', 'MultipleChoiceTest'),
    'task-sources-trained-on': ('plugin/src/main/java/io/adept4j/run/AdeptRun.java',
        '            if (!sources.contains(sha256(d.text()))) {',
        '            if (true) {',
        'tests', 'TaskAccuracyCliTest'),
    'ablation-goal-unpaired': ('plugin/src/main/java/io/adept4j/report/RunReport.java',
        'goals.add(new Goal(a.method() + " worse than ADEPT on at least one axis", g > pg || d > pd,',
        'goals.add(new Goal(a.method() + " worse than ADEPT on at least one axis", g > ag || d > ad,',
        'plugin', 'RunReportGoalsTest'),
}


def main(argv):
    out = "mutation-check.json"
    if "--out" in argv:
        i = argv.index("--out")
        out = argv[i + 1]
        del argv[i:i + 2]
    names = argv or list(MUTATIONS)
    root = subprocess.check_output(["git", "rev-parse", "--show-toplevel"], text=True).strip()
    results = []
    with tempfile.TemporaryDirectory(prefix="adept4j-mutations-") as tmp:
        clone = os.path.join(tmp, "repo")
        subprocess.check_call(["git", "clone", "-q", root, clone])
        for name in names:
            f, find, replace, module, test = MUTATIONS[name]
            path = os.path.join(clone, f)
            text = open(path, encoding="utf-8").read()
            if text.count(find) != 1:
                results.append({"mutation": name, "verdict": "NOT APPLIED", "why": "text found %d times in %s" % (text.count(find), f)})
                print("NOT APPLIED %s: its text occurs %d times in %s" % (name, text.count(find), f), flush=True)
                continue
            open(path, "w", encoding="utf-8").write(text.replace(find, replace))
            r = subprocess.run(["mvn", "-o", "-q", "-B", "test", "-pl", module, "-am", "-Dtest=" + test,
                                "-Dsurefire.failIfNoSpecifiedTests=false"], cwd=clone, capture_output=True, text=True)
            failed = [l.strip()[8:] for l in r.stdout.splitlines() if l.startswith("[ERROR]   ") and "Test" in l][:2]
            verdict = "CAUGHT" if r.returncode != 0 else "MISSED"
            results.append({"mutation": name, "file": f, "test": test, "verdict": verdict, "failures": failed})
            print("%-7s %s by %s: %s" % (verdict, name, test, " | ".join(x[:140] for x in failed)), flush=True)
            subprocess.check_call(["git", "checkout", "-q", "--", "."], cwd=clone)
    with open(out, "w", encoding="utf-8") as fh:
        json.dump({"results": results}, fh, indent=2)
    missed = [r for r in results if r["verdict"] != "CAUGHT"]
    print("%d of %d mutations caught; wrote %s" % (len(results) - len(missed), len(results), out))
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
