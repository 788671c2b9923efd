"""Tables in the data layer: column kinds, the transformer (table <-> float32 matrix) and the
training-by-sampling data set a tabular GAN trains on. The application (``TabularGAN``, the report) is
:mod:`ganforge.tabular`."""
