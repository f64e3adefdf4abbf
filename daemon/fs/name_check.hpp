#pragma once

#include <string_view>

namespace vfsd::fs {

// A name the guest may look up: one component, no '/', not empty, <= NAME_MAX.
bool is_valid_component(std::string_view name);
// A name the guest may create, remove or rename: also not "." or "..".
bool is_valid_new_name(std::string_view name);

} // namespace vfsd::fs
