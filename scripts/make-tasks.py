#!/usr/bin/env python3
"""Makes the bundled multiple-choice task files from the bundled corpus excerpts, deterministically.

    python3 scripts/make-tasks.py            # writes corpora/tasks/{general,math,code}.jsonl

Each item is a continuation task in the style of LAMBADA/HellaSwag cloze items: the question is ~240 characters of a
document (ending at a space), the right choice the next ~60 characters, and three wrong choices are passages of the
same length from other documents of the same corpus. 100 items per corpus, several per document from a few
documents (general: 10 documents x 10 items; math and code: 25 x 4), so that keeping the source documents out of a
run costs little data; documents are taken in the order of the SHA-256 of their text, a fixed pseudo-random order.
Each item records that hash (`sourceSha256`), and `adept run` keeps those documents out of training and validation
when it scores the task. The items are excerpts of the corpora, under their licences (corpora/README.md).
"""
import gzip
import hashlib
import json
import os
import random
import sys

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..')
QUESTION_CHARS = 240
ANSWER_CHARS = 60
CHOICES = 4
PER_DOCUMENT = {'general': 10, 'math': 4, 'code': 4}
DOCUMENTS = {'general': 10, 'math': 25, 'code': 25}


def span(text, start, length):
    """text[start:start+length] widened to end at a space (or the text's end); None if too short."""
    end = text.find(' ', start + length)
    if end < 0:
        return None
    return text[start:end]


def main():
    out_dir = os.path.join(ROOT, 'corpora', 'tasks')
    os.makedirs(out_dir, exist_ok=True)
    for name in ('general', 'math', 'code'):
        with gzip.open(os.path.join(ROOT, 'corpora', name + '.jsonl.gz'), 'rt', encoding='utf-8') as f:
            raw = [json.loads(line)['text'] for line in f if line.strip()]
        sha = [hashlib.sha256(d.encode('utf-8')).hexdigest() for d in raw]  # of the document as the corpus holds it
        docs = [' '.join(d.split()) for d in raw]  # one space between words, as question and choice are joined
        order = sorted(range(len(docs)), key=lambda i: sha[i])
        rnd = random.Random(name)
        k = PER_DOCUMENT[name]
        usable = [i for i in order if len(docs[i]) > k * 2 * (QUESTION_CHARS + ANSWER_CHARS)]
        items = []
        for i in usable[:DOCUMENTS[name]]:
            d = docs[i]
            segment = len(d) // k  # one item per segment: items of a document never overlap
            for part in range(k):
                s = part * segment + rnd.randrange(0, segment - 2 * (QUESTION_CHARS + ANSWER_CHARS))
                s = d.find(' ', s) + 1  # start at a word
                question = span(d, s, QUESTION_CHARS)
                answer = span(d, s + len(question) + 1, ANSWER_CHARS) if question else None
                if answer is None:
                    continue
                wrong = []
                while len(wrong) < CHOICES - 1:
                    j = rnd.choice(usable)
                    if j == i:
                        continue
                    o = docs[j]
                    t = o.find(' ', rnd.randrange(0, len(o) - 2 * ANSWER_CHARS)) + 1
                    w = span(o, t, ANSWER_CHARS)
                    if w and w != answer and w not in wrong:
                        wrong.append(w)
                choices = wrong + [answer]
                rnd.shuffle(choices)
                items.append({'question': question, 'choices': choices, 'answer': choices.index(answer),
                              'sourceSha256': sha[i]})
        path = os.path.join(out_dir, name + '.jsonl')
        with open(path + '.tmp', 'w', encoding='utf-8') as f:
            for it in items:
                f.write(json.dumps(it, ensure_ascii=False) + '\n')
        os.replace(path + '.tmp', path)
        print(f'{path}: {len(items)} items from {len(docs)} documents')
    return 0


if __name__ == '__main__':
    sys.exit(main())
