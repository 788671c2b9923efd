"""Differential privacy for tables: the RDP accountant, DP preprocessing, DP-SGD for TabularGAN's
discriminator, privacy attacks, the canary audit and the anonymisation workflow (submodules load on use)."""
