"""A failed download of the Inception weights deletes nothing at the cache path."""

import pytest

from ganforge.features import inception


def test_a_failed_download_leaves_the_file_at_the_cache_path_alone(tmp_path, monkeypatch):
    cached = tmp_path / inception.FID_WEIGHTS_FILE

    def download(url, dst, **kwargs):
        cached.write_bytes(b"written meanwhile by another process")  # not ours to remove
        raise ConnectionError("no network")

    monkeypatch.setattr(inception.torch.hub, "download_url_to_file", download)
    with pytest.raises(inception.InceptionWeightsError, match="downloading them failed"):
        inception.load_inception_weights(use_fid_helper=False, hub_dir=tmp_path)
    assert cached.read_bytes() == b"written meanwhile by another process"
