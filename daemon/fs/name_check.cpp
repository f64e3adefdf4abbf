#include "fs/name_check.hpp"

#include <climits>

namespace vfsd::fs {

bool is_valid_component(std::string_view name) {
    return !name.empty() && name.size() <= NAME_MAX &&
           name.find_first_of(std::string_view("/\0", 2)) == std::string_view::npos;
}

bool is_valid_new_name(std::string_view name) {
    return is_valid_component(name) && name != "." && name != "..";
}

} // namespace vfsd::fs
