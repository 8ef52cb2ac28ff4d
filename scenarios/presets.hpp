// Presets shipped with the program (models/presets/*.toml, compiled in): tissue layer stacks by
// body site, cocktail components and injection techniques, every value with its source and
// evidence tag. Component presets derive their blood / lymph split from molecular weight
// (lymph_share). Technique presets are defaults of an [[injections]] entry, read by scenario.cpp.
#pragma once

#include <string>
#include <vector>

#include "models/component.hpp"
#include "models/tissue.hpp"

namespace mesosim {

/// "tissue", "component" and "technique".
std::vector<std::string> preset_kinds();
/// Names of the presets of one kind (InputError for an unknown kind).
std::vector<std::string> preset_names(const std::string& kind);
/// A readable description of one preset: every value with its source.
std::string describe_preset(const std::string& kind, const std::string& name);

/// The layer stack of a tissue preset (InputError naming the closest preset for a typo).
Tissue tissue_preset(const std::string& name);
/// A component preset on the given tissue: per-layer values apply to layers of the same name.
Component component_preset(const std::string& name, const Tissue& tissue);

/// Share of a first-order clearance that leaves by lymph for a molecule of the given molecular
/// weight (Da): Supersaxo 1990 interpolated linearly in log(MW) (4 % at 246 Da, 21 % at 5.2 kDa,
/// 39 % at 12.3 kDa, 60 % at 19 kDa), 4 % below, extrapolated above 19 kDa up to 95 %.
double lymph_share(double molecular_weight);

}  // namespace mesosim
