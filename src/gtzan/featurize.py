"""The featurize stage: the decoded clips of data/raw/ -> the nine architectures' input, data/features/logmel/.

Every clip is cut into (80, 80, 1) log-mel segments (gtzan.frontend), unsplit, with song ids and clip names
(gtzan.datasets); the Drive data, which holds spectrograms and no audio, is copied as it is.

The audio is decoded once, by download; each front-end computes its own input from it in a stage of its
own: this one, and a pretrained network's (gtzan.transfer's featurize_pretrained stage).
"""

import json
import shutil
from pathlib import Path

from gtzan.datasets import AUDIO_DIR, SEGMENTS_DIR, SOURCE_FILE, SPLITS, load_audio, read_source, save_segments
from gtzan.files import staged_directory


def featurize_logmel(*, raw_dir: Path, out_dir: Path, frontend_settings: dict) -> dict:
    """The log-mel segments of every clip of raw_dir (or the Drive data's datasets, copied) into out_dir; return its source.json."""
    from gtzan.audio import segment_clips
    from gtzan.frontend import FrontEnd

    raw_dir = Path(raw_dir)
    source = read_source(raw_dir)
    with staged_directory(out_dir) as staging:
        if not (raw_dir / AUDIO_DIR).is_dir():
            print(f"{raw_dir} holds spectrograms already (the Drive data or saved datasets): copying them.", flush=True)
            for side in SPLITS:
                shutil.copytree(raw_dir / side, staging / side)
        else:
            frontend = FrontEnd(**frontend_settings)
            decoded = load_audio(raw_dir / AUDIO_DIR, frontend.sample_rate)
            clips = [decoded.clip(index) for index in range(len(decoded.names))]
            dataset = segment_clips(clips, decoded.labels, decoded.names, source["class_names"], frontend)
            save_segments(staging / SEGMENTS_DIR, dataset.spectrograms, dataset.labels, dataset.song_ids, list(dataset.songs))
            skipped = [{"clip": clip, "reason": reason} for clip, reason in dataset.skipped]
            source = {**source, "frontend": frontend_settings, "skipped": source.get("skipped", []) + skipped}
        (staging / SOURCE_FILE).write_text(json.dumps(source, indent=2, sort_keys=True) + "\n")
    return source
